import { Global, Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { ApiKeyGuard, KEY_RING, RATE_LIMITER } from './api-key.guard';
import { KeyRing, loadOrCreateKeyFile } from './key-ring';
import { RateLimiter } from './rate-limiter';

@Global()
@Module({})
export class AuthModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        {
          provide: KEY_RING,
          useFactory: () => {
            if (config.apiKeys) return new KeyRing(config.apiKeys);
            const file = loadOrCreateKeyFile(config.dataDir);
            // The path only: a key never goes to the log.
            new Logger('Auth').log(`${file.created ? 'created' : 'using'} API keys file ${file.path} (one key per role)`);
            return new KeyRing(file.keys);
          },
        },
        { provide: RATE_LIMITER, useValue: new RateLimiter(config.rateLimitPerSecond) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
      exports: [KEY_RING],
    };
  }
}
