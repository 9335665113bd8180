import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from './current-principal.decorator';
import { ROLES } from './roles';
import type { Principal, Role } from './roles';

class PrincipalDto {
  @ApiProperty({ example: 'agent-42' }) subject!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
}

/** Who am I: lets a client check its token and roles against this service. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  @Get()
  @ApiOperation({ summary: 'The caller as this service sees it: subject and roles from the verified token' })
  @ApiOkResponse({ type: PrincipalDto })
  me(@CurrentPrincipal() principal: Principal): PrincipalDto {
    return { subject: principal.subject, roles: principal.roles };
  }
}
