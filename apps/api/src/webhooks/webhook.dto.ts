import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PagingQueryDto } from '../http/paging.dto';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, IsUrl, Length, Matches, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { SEVERITIES, type Severity } from '@app/ticketing';
import { EnumField, IdField } from '../http/dto-fields';

export class WebhookFiltersDto {
  @EnumField(SEVERITIES, { description: 'Only tickets of this severity', example: 'major', optional: true })
  severity?: Severity;
  @IdField({ description: 'Only tickets with this service unit', example: 'dealer-east', optional: true })
  serviceUnitId?: string;
}

export class RegisterWebhookDto {
  @ApiProperty({ description: 'Where deliveries are POSTed: https (http only with WEBHOOK_ALLOW_HTTP=true); a host with a loopback, private or link-local address only when WEBHOOK_ALLOWED_HOSTS names it', example: 'https://crm.internal/hooks/tickets' })
  @IsString()
  @Length(1, 2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true }, { message: 'url must be an http(s) URL' })
  url!: string;

  @ApiProperty({ description: 'Event types to deliver, or "*" for every event', example: ['SlaBreached', 'EscalationRequired'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(/^(\*|[A-Z][A-Za-z0-9]{0,99})$/, { each: true, message: 'eventTypes are event type names (PascalCase) or "*"' })
  eventTypes!: string[];

  @ApiPropertyOptional({
    description:
      'Deliver only the events of tickets that match, as the ticket stands at each event: `severity` (general or major) and/or `serviceUnitId` (the unit the ticket is with). Events of other streams are not delivered to a filtered webhook.',
    example: { severity: 'major', serviceUnitId: 'dealer-east' },
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookFiltersDto)
  filters?: WebhookFiltersDto;

  @ApiProperty({ description: 'Shared secret for the X-Signature-256 HMAC of `<X-Signature-Timestamp>.<body>`; never shown again', example: 'a-long-random-shared-secret' })
  @IsString()
  @Length(16, 256)
  secret!: string;
}

export class DeliveriesQueryDto extends PagingQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'dead'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  status?: 'pending' | 'delivered' | 'dead';

}
