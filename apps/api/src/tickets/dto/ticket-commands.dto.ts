import { CHANNELS, ENGINEER_TIERS, PAUSE_REASONS, SATISFACTION_KINDS, SEVERITIES, TICKET_KINDS, ZONES } from '@app/ticketing';
import type { Channel, EngineerTier, PauseReason, SatisfactionKind, Severity, TicketKind, Zone } from '@app/ticketing';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { AtField, EnumField, IdField, IntegerField, TextField, UuidField } from '../../http/dto-fields';

/** The request bodies of the ticket commands (the service contract). Unknown fields are refused. */

export class ReportTicketDto {
  @UuidField({ description: 'The ticket id; generated when absent', example: '0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01', optional: true })
  ticketId?: string;
  @IdField({ description: 'The customer', example: 'customer-042' })
  customerId!: string;
  @IdField({ description: 'The asset the fault is on', example: 'asset-hq-network', optional: true })
  assetId?: string;
  @TextField(100, { description: 'Warranty category of the asset concerned', example: 'waterproofing', optional: true })
  category?: string;
  @IdField({ description: 'The service unit the ticket is reported to; must be registered. Its policy is the ticket\'s when policyId is absent', example: 'dealer-east', optional: true })
  serviceUnitId?: string;
  @EnumField(CHANNELS, { description: 'How the report came in', example: 'phone' })
  channel!: Channel;
  @EnumField(TICKET_KINDS, { description: 'fault or consultation; relocation, rebuild, inspection and revisit need an asset', example: 'fault' })
  kind!: TicketKind;
  @EnumField(SEVERITIES, { description: 'Severity', example: 'major' })
  severity!: Severity;
  @EnumField(ZONES, { description: 'Where the site is, for arrival targets', example: 'urban', optional: true })
  zone?: Zone;
  @TextField(2000, { description: 'What the customer reported', example: 'Core switch drops packets; ERP unreachable' })
  summary!: string;
  @IdField({ description: 'SLA policy id; when absent, the service unit\'s policy, else the default policy', example: 'it-support-plan', optional: true })
  policyId?: string;
  @AtField()
  at?: string;
}

export class AcknowledgeResponseDto {
  @IdField({ description: 'Who answered', example: 'desk-agent-7' })
  by!: string;
  @TextField(2000, { description: 'What was said', example: 'Engineer on the way', optional: true })
  note?: string;
  @AtField()
  at?: string;
}

export class DispatchEngineerDto {
  @IdField({ description: 'The engineer sent', example: 'eng-li' })
  engineerId!: string;
  @EnumField(ENGINEER_TIERS, {
    description: 'onsite, or senior (after an onsite dispatch: an escalation). Required for a ticket without a service unit; for one with a unit, the engineer\'s tier on the roster when absent',
    example: 'onsite',
    optional: true,
  })
  tier?: EngineerTier;
  @AtField()
  at?: string;
}

export class RecordArrivalDto {
  @IdField({ description: 'The engineer who arrived', example: 'eng-li' })
  engineerId!: string;
  @AtField()
  at?: string;
}

export class PauseTicketDto {
  @EnumField(PAUSE_REASONS, { description: 'Why the clocks stop', example: 'awaiting-parts' })
  reason!: PauseReason;
  @AtField()
  at?: string;
}

export class ResumeTicketDto {
  @AtField()
  at?: string;
}

export class ReprioritizeTicketDto {
  @EnumField(SEVERITIES, { description: 'The new severity', example: 'major' })
  severity!: Severity;
  @TextField(2000, { description: 'Why', example: 'Whole floor affected' })
  reason!: string;
  @AtField()
  at?: string;
}

export class RestoreServiceDto {
  @IdField({ description: 'Who restored service', example: 'eng-li' })
  by!: string;
  @TextField(2000, { description: 'What was done', example: 'Replaced the line card' })
  resolution!: string;
  @AtField()
  at?: string;
}

export class FileReportDto {
  @TextField(200, { description: 'Fault type', example: 'hardware' })
  faultType!: string;
  @TextField(2000, { description: 'Cause', example: 'Line card failure' })
  cause!: string;
  @TextField(2000, { description: 'Method used', example: 'Card swapped, config restored' })
  method!: string;
  @TextField(2000, { description: 'Losses', example: '3 hours of ERP downtime' })
  loss!: string;
  @IdField({ description: 'Who filed it', example: 'eng-li' })
  by!: string;
  @AtField()
  at?: string;
}

export class RateSatisfactionDto {
  @EnumField(SATISFACTION_KINDS, { description: 'What is rated', example: 'onsite' })
  kind!: SatisfactionKind;
  @IntegerField(1, 5, { description: 'Score, 1 to 5; 4 and 5 count as satisfied', example: 5 })
  score!: number;
  @TextField(2000, { description: 'Comment', example: 'Quick and tidy', optional: true })
  comment?: string;
  @AtField()
  at?: string;
}

export class CompleteRevisitDto {
  @IdField({ description: 'Who made the follow-up visit', example: 'desk-agent-7' })
  by!: string;
  @TextField(2000, { description: 'Outcome', example: 'Customer satisfied, no recurrence' })
  outcome!: string;
  @AtField()
  at?: string;
}

export class CloseTicketDto {
  @IdField({ description: 'Who closed it', example: 'desk-agent-7' })
  by!: string;
  @AtField()
  at?: string;
}

export class ReopenTicketDto {
  @TextField(2000, { description: 'Why', example: 'Fault came back' })
  reason!: string;
  @AtField()
  at?: string;
}

export class AssignTicketDto {
  @IdField({ description: 'The unit the ticket goes to; must be registered', example: 'dealer-east' })
  serviceUnitId!: string;
  @IdField({ description: 'Who hands it over', example: 'maker-desk' })
  by!: string;
  @TextField(2000, { description: 'Why', example: 'Repair order to the dealer of the area' })
  reason!: string;
  @AtField()
  at?: string;
}

export class SignOffRepairOrderDto {
  @TextField(200, { description: 'Who signed (the customer\'s personal data)', example: 'Wang Fang' })
  signedBy!: string;
  @ApiPropertyOptional({
    description: 'The signature as a PNG data URL, at most 32 KiB (the customer\'s personal data); or send signatureSha256 and signatureRef',
    example: 'data:image/png;base64,iVBORw0KGgo=',
    maxLength: 32768,
  })
  @IsOptional()
  @IsString()
  @MaxLength(32768)
  signature?: string;
  @ApiPropertyOptional({ description: 'SHA-256 of the signature image kept elsewhere, 64 lowercase hex digits', example: 'a'.repeat(64) })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: '$property must be 64 lowercase hex digits' })
  signatureSha256?: string;
  @TextField(500, { description: 'Where the signature image is kept', example: 'dms://repair-orders/2026/0042.png', optional: true })
  signatureRef?: string;
  @AtField()
  at?: string;
}
