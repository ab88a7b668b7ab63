import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from '../config/app-config';
import { AssetsController } from './assets.controller';
import { ChargeCatalog } from './charge-catalog';
import { AssetTemplateCatalog } from './asset-template-catalog';
import { ExecuteAssetCommandHandler, GetAssetHandler } from './execute-asset-command.handler';

@Module({})
export class AssetsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AssetsModule,
      imports: [CqrsModule],
      controllers: [AssetsController],
      providers: [
        { provide: ChargeCatalog, useFactory: () => ChargeCatalog.fromFile(config.chargePoliciesFile) },
        { provide: AssetTemplateCatalog, useFactory: () => AssetTemplateCatalog.fromFile(config.assetTemplatesFile) }, ExecuteAssetCommandHandler, GetAssetHandler],
    };
  }
}
