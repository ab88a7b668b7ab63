import { Module } from '@nestjs/common';
import { AlarmFeed } from './alarm-feed';
import { AlarmStreamController } from './alarm-stream.controller';

/** GET /v1/stream/alarms: the engine's alarms pushed to analysts as they are committed. */
@Module({
  controllers: [AlarmStreamController],
  providers: [AlarmFeed],
})
export class AlarmStreamModule {}
