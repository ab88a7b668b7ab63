import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { WEBHOOK_STORE } from './webhook.tokens';
import { WebhookDelivery } from './webhook-delivery';
import { WebhookStore } from './webhook-store';
import { WebhooksController } from './webhooks.controller';
import { WebhookTargets } from './webhook-target';

class WebhookStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(WEBHOOK_STORE) private readonly store: WebhookStore) {}

  onApplicationShutdown(): void {
    this.store.close();
  }
}

@Module({})
export class WebhooksModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WebhooksModule,
      controllers: [WebhooksController],
      providers: [
        { provide: WEBHOOK_STORE, useFactory: () => new WebhookStore(join(config.dataDir, 'webhooks.db')) },
        { provide: WebhookTargets, useFactory: () => new WebhookTargets({ allowedHosts: config.webhookAllowedHosts, allowHttp: config.webhookAllowHttp }) },
        WebhookStoreCloser,
        WebhookDelivery,
      ],
    };
  }
}
