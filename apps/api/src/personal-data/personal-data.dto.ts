import { TextField } from '../http/dto-fields';

export class EraseCustomerDto {
  @TextField(500, { description: 'Why the data is erased (the legal ground, the request reference); no personal data', example: 'PIPL Art. 47 request DSR-2026-0042' })
  reason!: string;

  @TextField(200, { description: 'Who asked for the erasure (a role or an office, not the customer\'s name)', example: 'data protection office' })
  requestedBy!: string;
}
