import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Put,
  Query,
  Req,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { AGENT_PRESENCES, agentProfileSet, groupConfigured, handle } from '@journey/contracts';
import {
  ApiAnswer,
  ApiErrors,
  correlationIdOf,
  CurrentPrincipal,
  hasAnyRole,
  openApiSchema,
  parseInput,
  Roles,
} from '@journey/platform';
import type { Principal } from '@journey/platform';
import { Agents } from '../agent/agents';
import { capacityFor, loadFor } from '../agent/domain/agent.decider';
import { Boards } from '../board/boards';
import { macrosSchema } from '../macros/macros';
import { policyBookSchema } from '../sla/domain/sla-policy-book';
import { TicketsSettings } from '../sla/sla-book';
import { proactiveRulesSchema } from '../intake/proactive-rules';
import { groupStream, MACROS_STREAM, PROACTIVE_RULES_STREAM, SLA_BOOK_STREAM } from '../ticket/ticket-ids';

const profileSchema = agentProfileSet.schema.omit({ agentId: true, by: true }).strict();
const groupSchema = groupConfigured.schema.omit({ groupId: true, by: true }).strict();
const presenceSchema = z.object({ presence: z.enum(AGENT_PRESENCES) }).strict();
const done = z.object({ ok: z.literal(true) });
const agentView = z.object({
  agentId: z.string(),
  presence: z.enum(AGENT_PRESENCES),
  groups: z.array(z.string()),
  load: z.record(z.string(), z.object({ holding: z.number().int(), capacity: z.number().int() })),
});

@ApiTags('agents and settings')
@ApiBearerAuth()
@Controller('v1')
export class AdminController {
  constructor(
    private readonly agents: Agents,
    private readonly boards: Boards,
    private readonly settings: TicketsSettings,
  ) {}

  @Put('agents/:agentId')
  @Roles('admin')
  @ApiOperation({
    summary: "Set an agent's groups, skills, languages, channels, capacity per channel and traits",
  })
  @ApiBody({ schema: openApiSchema(profileSchema) })
  @ApiAnswer(done)
  @ApiErrors(400, 401, 403)
  async setAgent(
    @Param('agentId') agentId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const id = parseInput(handle, agentId, 'agentId');
    const profile = parseInput(profileSchema, body);
    const outcome = await this.agents.execute(
      id,
      { kind: 'set-profile', profile: { agentId: id, ...profile }, by: p.subject },
      { correlationId: correlationIdOf(req) },
    );
    if (!outcome.ok) throw new UnprocessableEntityException(outcome.reason);
    return { ok: true };
  }

  @Put('agents/:agentId/presence')
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      'Go online (take tickets), away (keep yours, take none) or offline (yours queue again). An agent sets their own; a supervisor anyone’s.',
  })
  @ApiBody({ schema: openApiSchema(presenceSchema) })
  @ApiAnswer(done)
  @ApiErrors(400, 401, 403, 404)
  async setPresence(
    @Param('agentId') agentId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const id = parseInput(handle, agentId, 'agentId');
    if (id !== p.subject && !hasAnyRole(p, ['supervisor', 'admin']))
      throw new ForbiddenException('an agent sets only their own presence');
    const { presence } = parseInput(presenceSchema, body);
    const outcome = await this.agents.execute(
      id,
      { kind: 'set-presence', presence, by: p.subject, at: new Date().toISOString() },
      { correlationId: correlationIdOf(req) },
    );
    if (!outcome.ok) throw new NotFoundException(outcome.reason);
    return { ok: true };
  }

  @Get('agents')
  @Roles('supervisor', 'admin', 'ops')
  @ApiOperation({
    summary:
      'Supervisor view: every agent with presence, groups, and holding/capacity per channel (from their streams)',
  })
  @ApiAnswer(z.object({ agents: z.array(agentView) }))
  @ApiErrors(401, 403)
  async listAgents() {
    const docs = await (
      await this.boards.agents()
    )
      .find({ kind: 'agent' })
      .sort({ _id: 1 })
      .limit(1000)
      .toArray();
    const agents = [];
    for (const doc of docs) {
      const row = await this.agentRow(String(doc['agentId']));
      if (row) agents.push(row);
    }
    return { agents };
  }

  @Get('agents/me')
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary: "The caller's own agent profile: presence, groups, and holding/capacity per channel",
  })
  @ApiAnswer(agentView)
  @ApiErrors(401, 403, 404)
  async me(@CurrentPrincipal() p: Principal) {
    const row = await this.agentRow(p.subject);
    if (!row)
      throw new NotFoundException('you have no agent profile yet (an admin sets it: PUT /v1/agents/{id})');
    return row;
  }

  /** An agent as the supervisor view shows it (from its stream), or undefined without a profile. */
  private async agentRow(agentId: string) {
    const state = await this.agents.load(agentId);
    if (!state.profile) return undefined;
    const channels = new Set<string>([...Object.keys(state.profile.capacity), ...state.claims.values()]);
    const load: Record<string, { holding: number; capacity: number }> = {};
    for (const c of channels) {
      const channel = c === 'default' ? 'none' : (c as Parameters<typeof loadFor>[1]);
      load[c] = { holding: loadFor(state, channel), capacity: capacityFor(state.profile, channel) };
    }
    return { agentId: state.profile.agentId, presence: state.presence, groups: state.profile.groups, load };
  }

  @Put('groups/:groupId')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Set a group: tier (tier-1, tier-2, vip desk), escalation target, supervisors, VIP tiers it serves',
  })
  @ApiBody({ schema: openApiSchema(groupSchema) })
  @ApiAnswer(done)
  @ApiErrors(400, 401, 403)
  async setGroup(
    @Param('groupId') groupId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const id = parseInput(handle, groupId, 'groupId');
    const group = parseInput(groupSchema, body);
    await this.settings.record(
      groupStream(id),
      groupConfigured.type,
      { groupId: id, ...group, by: p.subject },
      correlationIdOf(req),
    );
    return { ok: true };
  }

  @Put('sla-policies')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Replace the SLA policy book: calendars (time zone, weekly hours, holidays) and policies (conditions, targets in minutes, warning, escalation)',
    description:
      'Policies are tried in order; the first whose conditions (priority, vipTier, channel, group) all hold applies. Open tickets are recomputed under the new book.',
  })
  @ApiBody({ schema: openApiSchema(policyBookSchema) })
  @ApiAnswer(done)
  @ApiErrors(400, 401, 403)
  async setBook(@Body() body: unknown, @CurrentPrincipal() p: Principal, @Req() req: Request) {
    const book = parseInput(policyBookSchema, body);
    await this.settings.record(
      SLA_BOOK_STREAM,
      'tickets.sla-policies-configured.v1',
      { book, by: p.subject },
      correlationIdOf(req),
    );
    return { ok: true };
  }

  @Get('sla-policies')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'The SLA policy book in force' })
  @ApiAnswer(policyBookSchema)
  @ApiErrors(401, 403)
  getBook() {
    return this.settings.book();
  }

  @Put('macros')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Replace the macros: canned replies agents insert with one click, with the status and tags they set',
  })
  @ApiBody({ schema: openApiSchema(macrosSchema) })
  @ApiAnswer(done)
  @ApiErrors(400, 401, 403)
  async setMacros(@Body() body: unknown, @CurrentPrincipal() p: Principal, @Req() req: Request) {
    const macros = parseInput(macrosSchema, body);
    await this.settings.record(
      MACROS_STREAM,
      'tickets.macros-configured.v1',
      { macros, by: p.subject },
      correlationIdOf(req),
    );
    return { ok: true };
  }

  @Get('macros')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: "The macros, for a group's agents when group is given (?group=)" })
  @ApiAnswer(macrosSchema)
  @ApiErrors(400, 401, 403)
  async getMacros(@Query() query: unknown) {
    const { group } = parseInput(z.object({ group: handle.optional() }).strict(), query, 'query');
    const macros = await this.settings.macros();
    return group ? macros.filter((m) => m.groups.length === 0 || m.groups.includes(group)) : macros;
  }

  @Put('proactive-rules')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Replace the proactive rules: journey facts (e.g. order-shipped with delayDays ≥ 2) that open a ticket for a group',
  })
  @ApiBody({ schema: openApiSchema(proactiveRulesSchema) })
  @ApiAnswer(done)
  @ApiErrors(400, 401, 403)
  async setRules(@Body() body: unknown, @CurrentPrincipal() p: Principal, @Req() req: Request) {
    const rules = parseInput(proactiveRulesSchema, body);
    await this.settings.record(
      PROACTIVE_RULES_STREAM,
      'tickets.proactive-rules-configured.v1',
      { rules, by: p.subject },
      correlationIdOf(req),
    );
    return { ok: true };
  }
}
