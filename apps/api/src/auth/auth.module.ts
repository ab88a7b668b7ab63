import { Global, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { ApiKeyGuard, KEY_RING, RATE_LIMITER } from './api-key.guard';
import { KeyRing, loadOrCreateKeyFile } from './key-ring';
import { RateLimiter } from './rate-limiter';

/** Logs where the generated keys are when the application starts, after its logger is set up. */
class KeyFileNotice implements OnApplicationBootstrap {
  message: string | undefined;

  onApplicationBootstrap(): void {
    if (this.message) new Logger('Auth').log(this.message);
  }
}

const keyFileNotice = new KeyFileNotice();

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
            // The path only, once the JSON logger is in place: a key never goes to the log.
            keyFileNotice.message = `${file.created ? 'created' : 'using'} API keys file ${file.path} (one key per role)`;
            return new KeyRing(file.keys);
          },
        },
        { provide: RATE_LIMITER, useValue: new RateLimiter(config.rateLimitPerSecond) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: KeyFileNotice, useValue: keyFileNotice },
      ],
      exports: [KEY_RING],
    };
  }
}
