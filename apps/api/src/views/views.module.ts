import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { CustomerSegmentsConfig } from './customer-segments';
import { NetworkViewsController, ServiceQualityController } from './network-views.controller';
import { ViewsController } from './views.controller';

@Module({})
export class ViewsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ViewsModule,
      // The service network's views come before the generic ones: /v1/views/engineers is not an asset.
      controllers: [NetworkViewsController, ServiceQualityController, ViewsController],
      providers: [{ provide: CustomerSegmentsConfig, useFactory: () => CustomerSegmentsConfig.fromFile(config.customerSegmentsFile) }],
    };
  }
}
