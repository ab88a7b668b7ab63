import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { openEventStore, type EventStore } from '@app/event-store';
import type { AppConfig } from '../config/app-config';
import { AUDIT_SIGNING_KEY, sealingStore } from '../audit/event-sealer';
import { loadOrCreateSigningKey, type AuditSigningKey } from '../audit/signing-key';
import { CLOCK, clockFor } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { openPersonalData } from '../personal-data/open-personal-data';
import { PersonalDataCipher } from '../personal-data/personal-data-cipher';
import { countedStore } from '../telemetry/counted-store';
import { EngineCommandTelemetry } from '../telemetry/engine-command-telemetry';
import { EngineMetrics } from '../telemetry/engine-metrics';

/** The injection token of the one EventStore of the process. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const APP_CONFIG = Symbol('APP_CONFIG');

class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Runs after the HTTP server has stopped taking requests and finished those in flight. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

class KeyStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(PersonalDataCipher) private readonly personalData: PersonalDataCipher) {}

  onApplicationShutdown(): void {
    this.personalData.keyStore.close();
  }
}

@Global()
@Module({})
export class EventStoreModule {
  static forRoot(config: AppConfig, decorate: (store: EventStore) => EventStore = (store) => store): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        // The one reader of the system clock; everything else gets time from here or from a request.
        { provide: CLOCK, useValue: clockFor(config.clockStart) },
        // Read (or created on first start) before the store opens, so the first append is sealed.
        { provide: AUDIT_SIGNING_KEY, useFactory: () => loadOrCreateSigningKey(config) },
        {
          provide: EVENT_STORE,
          useFactory: async (key: AuditSigningKey, metrics: EngineMetrics) =>
            decorate(sealingStore(countedStore(await openEventStore(config.eventStore, { sqliteSynchronous: config.sqliteSynchronous }), metrics), key)),
          inject: [AUDIT_SIGNING_KEY, EngineMetrics],
        },
        // Seals personal fields at append and opens them at read (see PersonalDataCipher).
        { provide: PersonalDataCipher, useFactory: () => openPersonalData(config) },
        // What commands remember of the streams they run on (see CommandStreams).
        {
          provide: CommandStreams,
          useFactory: (store: EventStore, personalData: PersonalDataCipher, telemetry: EngineCommandTelemetry) => new CommandStreams(store, undefined, personalData, telemetry),
          inject: [EVENT_STORE, PersonalDataCipher, EngineCommandTelemetry],
        },
        EventStoreCloser,
        KeyStoreCloser,
      ],
      exports: [EVENT_STORE, AUDIT_SIGNING_KEY, APP_CONFIG, CLOCK, CommandStreams, PersonalDataCipher],
    };
  }
}
