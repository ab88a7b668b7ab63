import { Inject } from '@nestjs/common';
import { Command, CommandHandler, Query, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readStreamOrEmpty, type EventStore } from '@app/event-store';
import type { Asset, AssetCommand } from '@app/ticketing';
import { CLOCK, type Clock } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { runCommand, type CommandOutcome } from '../commands/stream-commands';
import { EVENT_STORE } from '../event-store/event-store.module';
import { problem, ProblemError } from '../http/problem';
import { PersonalDataCipher } from '../personal-data/personal-data-cipher';
import type { CommandContext } from '../tickets/command-context';
import { ASSETS, assetStream, foldAsset } from './asset-stream';

export class ExecuteAssetCommand extends Command<CommandOutcome> {
  constructor(
    readonly assetId: string,
    readonly command: AssetCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteAssetCommand)
export class ExecuteAssetCommandHandler implements ICommandHandler<ExecuteAssetCommand, CommandOutcome> {
  constructor(
    private readonly streams: CommandStreams,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ assetId, command, context }: ExecuteAssetCommand): Promise<CommandOutcome> {
    return runCommand(this.streams, ASSETS, assetId, command, context, () => this.clock.now());
  }
}

export type AssetView = Asset & { readonly revision: number };

export class GetAsset extends Query<AssetView> {
  constructor(readonly assetId: string) {
    super();
  }
}

@QueryHandler(GetAsset)
export class GetAssetHandler implements IQueryHandler<GetAsset, AssetView> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly personalData: PersonalDataCipher,
  ) {}

  async execute({ assetId }: GetAsset): Promise<AssetView> {
    const recorded = await this.personalData.reveal(await readStreamOrEmpty(this.store, assetStream(assetId)));
    const state = foldAsset(recorded);
    if (state.status === 'none') throw new ProblemError(problem(404, 'ASSET_NOT_FOUND', `asset ${assetId} does not exist`));
    return { ...state, revision: recorded[recorded.length - 1].revision };
  }
}
