import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsNumber, IsObject, IsOptional, Matches, Max, Min } from 'class-validator';
import { AUTO_TICKET_KINDS, DEPOSIT_KINDS, type AutoTicketKind, type CalendarDate, type DepositKind } from '@app/ticketing';
import { AtField, IdField, IntegerField, TextField } from '../http/dto-fields';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function DateField(description: string, example: string, optional = false) {
  return (target: object, key: string) => {
    (optional ? ApiPropertyOptional : ApiProperty)({ description, example, format: 'date' })(target, key);
    if (optional) IsOptional()(target, key);
    Matches(DATE, { message: `${key} must be a date, as in ${example}` })(target, key);
  };
}

/**
 * Request bodies of the asset commands. Nested parts (coverages, contacts, subcontractors,
 * contract, repair facts) are checked field by field by the domain, which names the path of any
 * bad or unknown field in its 400.
 */
export class RegisterAssetDto {
  @IdField({ description: 'The asset id; generated when absent (derived from the Idempotency-Key when one is sent)', example: 'site-hq-renovation', optional: true })
  assetId?: string;
  @IdField({ description: 'The customer', example: 'customer-042' })
  customerId!: string;
  @TextField(200, { description: 'The owner', example: 'Wang Fang', optional: true })
  ownerName?: string;
  @TextField(200, { description: 'What it is', example: 'HQ office renovation' })
  name!: string;
  @IdField({ description: 'An asset template (config/asset-templates.json: renovation, it-system, dealer-product) that fills kind, coverages, entitlements, firstVisit and autoTickets where the request leaves them out', example: 'renovation', optional: true })
  template?: string;
  @TextField(100, { description: 'Kind of asset; from the template when absent (required without one)', example: 'renovation', optional: true })
  kind?: string;
  @DateField('Completion acceptance (coverage starts the day after)', '2025-06-30')
  acceptedAt!: CalendarDate;
  @DateField('Sale date, for coverages that start from the sale', '2025-06-01', true)
  saleDate?: CalendarDate;
  @TextField(64, { description: 'IANA time zone of the site; Asia/Shanghai when absent', example: 'Asia/Shanghai', optional: true })
  timeZone?: string;
  @ApiPropertyOptional({
    description: 'Coverage per category: { category, years | months, startsFrom? } with startsFrom acceptance (the day after, the default), acceptance-day or sale; from the template when absent (required without one)',
    example: [{ category: 'waterproofing', years: 5 }, { category: 'other', years: 2 }],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsObject({ each: true })
  coverages?: Array<Record<string, unknown>>;
  @ApiPropertyOptional({ description: 'Counted entitlements', example: { relocation: 1, rebuild: 1, inspectionsPerYear: 1 } })
  @IsOptional()
  @IsObject()
  entitlements?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'The warranty contract', example: { number: 'WC-2025-0630', signedAt: '2025-06-30' } })
  @IsOptional()
  @IsObject()
  contract?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Owners and contacts', example: [{ name: 'Wang Fang', role: 'owner', phone: '+86 21 5555 0100' }] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsObject({ each: true })
  contacts?: Array<Record<string, unknown>>;
  @ApiPropertyOptional({ description: 'Subcontractors with their warranty items, contact and warranty amount', example: [{ name: 'Aqua Seal Ltd', warrantyItems: ['roof waterproofing'], warrantyAmount: 20000 }] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsObject({ each: true })
  subcontractors?: Array<Record<string, unknown>>;
  @ApiPropertyOptional({
    description: 'A first visit owed afterDays (0 to 3660) after the acceptance, or after the sale with from: "sale"; the schedule raises FirstVisitDue on that day. None when absent',
    example: { afterDays: 30, from: 'acceptance' },
  })
  @IsOptional()
  @IsObject()
  firstVisit?: { afterDays: number; from?: 'acceptance' | 'acceptance-day' | 'sale' };
  @ApiPropertyOptional({
    enum: AUTO_TICKET_KINDS,
    isArray: true,
    description: 'Schedule entries that report a ticket by themselves: a due inspection window an inspection ticket (it uses the entitlement), a due planned revisit a revisit ticket. None when absent',
    example: ['inspection', 'revisit'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(AUTO_TICKET_KINDS.length)
  @IsIn(AUTO_TICKET_KINDS as unknown as string[], { each: true, message: `each of autoTickets must be one of ${AUTO_TICKET_KINDS.join(', ')}` })
  autoTickets?: AutoTicketKind[];
  @AtField()
  at?: string;
}

export class ExtendCoverageDto {
  @TextField(100, { description: 'The category extended', example: 'other' })
  category!: string;
  @IntegerField(1, 100, { description: 'Years added', example: 1, optional: true })
  years?: number;
  @IntegerField(1, 1200, { description: 'Months added', example: 6, optional: true })
  months?: number;
  @IdField({ description: 'Who approved it (extensions need an approval)', example: 'manufacturer-service-manager' })
  approvedBy!: string;
  @TextField(2000, { description: 'Why', example: 'goodwill after repeated leaks' })
  reason!: string;
  @AtField()
  at?: string;
}

export class RecordDepositDto {
  @ApiProperty({ enum: DEPOSIT_KINDS, description: 'recovery (deposit returned) or payment' })
  @IsIn(DEPOSIT_KINDS as unknown as string[])
  kind!: DepositKind;
  @ApiProperty({ description: 'Amount (CNY)', example: 20000 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1_000_000_000)
  amount!: number;
  @TextField(200, { description: 'Reference', example: 'BANK-2027-07-01-009', optional: true })
  reference?: string;
  @TextField(2000, { description: 'Note', example: 'deposit returned after the 2-year period', optional: true })
  note?: string;
  @AtField()
  at?: string;
}

export class RecordInspectionDto {
  @DateField('The day of the inspection', '2026-06-15')
  inspectedOn!: CalendarDate;
  @IdField({ description: 'Who inspected', example: 'eng-li' })
  by!: string;
  @TextField(10000, { description: 'The inspection report', example: 'Roof membrane intact; drains cleared' })
  report!: string;
  @ApiPropertyOptional({ description: 'Findings', example: ['drain 3 partly blocked'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  findings?: string[];
  @ApiPropertyOptional({ description: 'The inspection ticket, when one was reported', example: '0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01' })
  @IsOptional()
  @Matches(/^[0-9a-f-]{36}$/i, { message: 'ticketId must be a UUID' })
  ticketId?: string;
  @AtField()
  at?: string;
}

export class PlanRevisitDto {
  @DateField('When the follow-up visit is due', '2026-09-01')
  dueOn!: CalendarDate;
  @TextField(2000, { description: 'What for', example: 'check the waterproofing after the rainy season' })
  purpose!: string;
  @AtField()
  at?: string;
}

export class CompleteAssetRevisitDto {
  @DateField('The planned visit this completes', '2026-09-01', true)
  plannedDueOn?: CalendarDate;
  @IdField({ description: 'Who visited', example: 'desk-agent-7' })
  by!: string;
  @TextField(2000, { description: 'Outcome', example: 'no leaks; owner satisfied' })
  outcome!: string;
  @AtField()
  at?: string;
}

export class AssessRepairDto {
  @IdField({ description: 'The charge policy: retail-repair or dealer-service', example: 'retail-repair' })
  policyId!: string;
  @ApiProperty({
    description: 'The facts of the repair: cause, damage, specialPrice, soldByUs, daysSinceSale?, hasReceipt?, hasTag?, originalPackaging?, lostStones?, parts?, materialCost?, labourCost?',
    example: { cause: 'product', damage: 'weld-break', specialPrice: false, soldByUs: true },
  })
  @IsObject()
  facts!: Record<string, unknown>;
  @AtField()
  at?: string;
}
