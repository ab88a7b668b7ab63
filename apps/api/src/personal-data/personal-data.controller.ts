import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { Roles } from '../auth/roles.decorator';
import { problem, ProblemError } from '../http/problem';
import { CustomerPersonalData } from './customer-personal-data';
import { EraseCustomerDto } from './personal-data.dto';

const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

function customerId(id: string): string {
  if (!CUSTOMER_ID.test(id)) throw new ProblemError(problem(400, 'INVALID_CUSTOMER_ID', 'a customer id holds letters, digits and ._:- only, at most 100'));
  return id;
}

/** Erasure and access requests about a customer's personal data: admins only (no @Roles: the guard lets admin through alone). */
@ApiTags('personal data')
@ApiBearerAuth()
@Controller('v1/customers')
export class PersonalDataController {
  constructor(private readonly personalData: CustomerPersonalData) {}

  @Post(':id/erase')
  @HttpCode(200)
  @Roles()
  @ApiOperation({ summary: "Erase the customer's personal data: destroys their data keys, so every stored copy reads \"[erased]\"; recorded in customer-<id>; repeating it changes nothing" })
  erase(@Param('id') id: string, @Body() body: EraseCustomerDto, @Req() request: AuthenticatedRequest) {
    return this.personalData.erase(customerId(id), { reason: body.reason, requestedBy: body.requestedBy }, request.principal!);
  }

  @Get(':id/personal-data')
  @Roles()
  @ApiOperation({ summary: 'Every personal value held about the customer, with its stream, revision and field path (an access request)' })
  async access(@Param('id') id: string) {
    const held = await this.personalData.access(customerId(id));
    if (!held) throw new ProblemError(problem(404, 'CUSTOMER_NOT_FOUND', `nothing is held about customer ${id}`));
    return held;
  }
}
