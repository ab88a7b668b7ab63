import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DeadlineFollower } from './deadline-follower';
import { RaiseSlaAlarmsHandler } from './raise-sla-alarms.handler';

@Module({
  imports: [CqrsModule],
  providers: [RaiseSlaAlarmsHandler, DeadlineFollower],
})
export class DeadlinesModule {}
