import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EngineersController, UnitsController } from './network.controllers';
import { ExecuteEngineerCommandHandler, ExecuteUnitCommandHandler, GetEngineerHandler, GetUnitHandler, ListUnitsHandler, UnitDirectory } from './network.handlers';

/** The service network: units and their engineers. */
@Module({})
export class NetworkModule {
  static forRoot(): DynamicModule {
    return {
      module: NetworkModule,
      imports: [CqrsModule],
      controllers: [UnitsController, EngineersController],
      providers: [ExecuteUnitCommandHandler, ExecuteEngineerCommandHandler, GetUnitHandler, GetEngineerHandler, ListUnitsHandler, UnitDirectory],
    };
  }
}
