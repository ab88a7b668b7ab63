import { Module } from '@nestjs/common';
import { CustomerPersonalData } from './customer-personal-data';
import { PersonalDataController } from './personal-data.controller';

/** Erasure and access requests; the cipher itself comes with the event store (EventStoreModule). */
@Module({
  controllers: [PersonalDataController],
  providers: [CustomerPersonalData],
})
export class PersonalDataModule {}
