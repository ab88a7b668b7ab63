import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RaiseScheduleEventsHandler } from './raise-schedule-events.handler';
import { ScheduleController } from './schedule.controller';
import { ScheduleFollower } from './schedule-follower';

@Module({
  imports: [CqrsModule],
  controllers: [ScheduleController],
  providers: [RaiseScheduleEventsHandler, ScheduleFollower],
})
export class ScheduleModule {}
