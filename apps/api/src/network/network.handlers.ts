import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, Query, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { formatPosition, readStreamOrEmpty, type EventStore, type Position } from '@app/event-store';
import type { Engineer, EngineerCommand, ServiceUnit, UnitCommand, UnitState } from '@app/ticketing';
import { CLOCK, type Clock } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { runCommand, type CommandOutcome } from '../commands/stream-commands';
import { EVENT_STORE } from '../event-store/event-store.module';
import { problem, ProblemError } from '../http/problem';
import type { CommandContext } from '../tickets/command-context';
import { ENGINEERS, engineerStream, foldEngineer, foldUnit, UNIT_STREAM_PREFIX, UNITS, unitStream } from './network-streams';

/** A 400 for a unit id that names no registered unit. */
export function unknownUnit(unitId: string, field: string): ProblemError {
  return new ProblemError(problem(400, 'UNKNOWN_UNIT', `no service unit ${unitId}`, { errors: [{ field, message: 'is not a registered service unit' }] }));
}

export class ExecuteUnitCommand extends Command<CommandOutcome> {
  constructor(
    readonly unitId: string,
    readonly command: UnitCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteUnitCommand)
export class ExecuteUnitCommandHandler implements ICommandHandler<ExecuteUnitCommand, CommandOutcome> {
  constructor(
    private readonly streams: CommandStreams,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ unitId, command, context }: ExecuteUnitCommand): Promise<CommandOutcome> {
    if (command.type === 'RegisterUnit' && typeof command.data.parentId === 'string' && command.data.parentId !== unitId) {
      const parent = await this.streams.load(unitStream(command.data.parentId), foldUnit, { fresh: true });
      if (parent.state.status === 'none') throw unknownUnit(command.data.parentId, 'parentId');
    }
    return runCommand(this.streams, UNITS, unitId, command, context, () => this.clock.now());
  }
}

export class ExecuteEngineerCommand extends Command<CommandOutcome> {
  constructor(
    readonly engineerId: string,
    readonly command: EngineerCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * An engineer's command, then what it means for the units: registering into a unit or moving into
 * one is a staff member joining it, moving out or leaving is one leaving ("report staff changes").
 * The staff changes are idempotent, so a retried command (same Idempotency-Key) completes them.
 */
@CommandHandler(ExecuteEngineerCommand)
export class ExecuteEngineerCommandHandler implements ICommandHandler<ExecuteEngineerCommand, CommandOutcome> {
  constructor(
    private readonly streams: CommandStreams,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ engineerId, command, context }: ExecuteEngineerCommand): Promise<CommandOutcome> {
    if (command.type === 'RegisterEngineer') await this.mustExist(command.data.unitId, 'unitId');
    if (command.type === 'MoveEngineer') await this.mustExist(command.data.toUnitId, 'toUnitId');
    const outcome = await runCommand(this.streams, ENGINEERS, engineerId, command, context, () => this.clock.now());
    if (command.type === 'RegisterEngineer' || command.type === 'MoveEngineer' || command.type === 'LeaveService') {
      const engineer = (await this.streams.load(engineerStream(engineerId), foldEngineer, { fresh: true })).state;
      if (engineer.status !== 'none') await this.reportStaffChange(engineer, context);
    }
    return outcome;
  }

  private async mustExist(unitId: unknown, field: string): Promise<void> {
    if (typeof unitId !== 'string' || unitId.trim() === '') return; // the domain names the missing field
    const unit = await this.streams.load(unitStream(unitId), foldUnit, { fresh: true });
    if (unit.state.status === 'none') throw unknownUnit(unitId, field);
  }

  private async reportStaffChange(engineer: Engineer, context: CommandContext): Promise<void> {
    const { engineerId } = engineer;
    const steps: Array<[string, UnitCommand]> = [];
    const move = engineer.moves[engineer.moves.length - 1];
    if (engineer.status === 'left') {
      steps.push([engineer.unitId, { type: 'LeaveUnitStaff', data: { engineerId, at: engineer.left!.at } }]);
    } else if (move) {
      steps.push([move.fromUnitId, { type: 'LeaveUnitStaff', data: { engineerId, at: move.at } }]);
      steps.push([move.toUnitId, { type: 'JoinUnitStaff', data: { engineerId, at: move.at } }]);
    } else {
      steps.push([engineer.unitId, { type: 'JoinUnitStaff', data: { engineerId, at: engineer.registeredAt } }]);
    }
    for (const [i, [unitId, step]] of steps.entries()) {
      const stepContext = { ...context, commandId: `${context.commandId}:staff:${i}`, expectedRevision: undefined };
      await runCommand(this.streams, UNITS, unitId, step, stepContext, () => this.clock.now());
    }
  }
}

export type UnitView = ServiceUnit & { readonly revision: number };
export type EngineerView = Engineer & { readonly revision: number };

export class GetUnit extends Query<UnitView> {
  constructor(readonly unitId: string) {
    super();
  }
}

@QueryHandler(GetUnit)
export class GetUnitHandler implements IQueryHandler<GetUnit, UnitView> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ unitId }: GetUnit): Promise<UnitView> {
    const recorded = await readStreamOrEmpty(this.store, unitStream(unitId));
    const state = foldUnit(recorded);
    if (state.status === 'none') throw new ProblemError(problem(404, 'UNIT_NOT_FOUND', `service unit ${unitId} does not exist`));
    return { ...state, revision: recorded[recorded.length - 1].revision };
  }
}

export class GetEngineer extends Query<EngineerView> {
  constructor(readonly engineerId: string) {
    super();
  }
}

@QueryHandler(GetEngineer)
export class GetEngineerHandler implements IQueryHandler<GetEngineer, EngineerView> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ engineerId }: GetEngineer): Promise<EngineerView> {
    const recorded = await readStreamOrEmpty(this.store, engineerStream(engineerId));
    const state = foldEngineer(recorded);
    if (state.status === 'none') throw new ProblemError(problem(404, 'ENGINEER_NOT_FOUND', `engineer ${engineerId} does not exist`));
    return { ...state, revision: recorded[recorded.length - 1].revision };
  }
}

/**
 * Every service unit, as the log holds them: read once from the start, then only what was
 * appended since the last read. A network has tens or hundreds of units, so they are held here.
 */
@Injectable()
export class UnitDirectory {
  private readonly units = new Map<string, UnitState>();
  private after: Position | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async list(): Promise<ServiceUnit[]> {
    this.reading = this.reading.then(() => this.catchUp());
    await this.reading;
    return [...this.units.values()].filter((unit): unit is ServiceUnit => unit.status !== 'none').sort((a, b) => a.unitId.localeCompare(b.unitId));
  }

  private async catchUp(): Promise<void> {
    const seen = this.after === undefined ? undefined : formatPosition(this.after);
    for await (const event of this.store.readAll(this.after ? { fromPosition: this.after } : {})) {
      if (seen !== undefined && formatPosition(event.position) === seen) continue;
      this.after = event.position;
      if (!event.stream.startsWith(UNIT_STREAM_PREFIX)) continue;
      const unitId = event.stream.slice(UNIT_STREAM_PREFIX.length);
      this.units.set(unitId, foldUnit([event], this.units.get(unitId)));
    }
  }
}

export class ListUnits extends Query<{ units: ServiceUnit[] }> {}

@QueryHandler(ListUnits)
export class ListUnitsHandler implements IQueryHandler<ListUnits, { units: ServiceUnit[] }> {
  constructor(private readonly directory: UnitDirectory) {}

  async execute(): Promise<{ units: ServiceUnit[] }> {
    return { units: await this.directory.list() };
  }
}

