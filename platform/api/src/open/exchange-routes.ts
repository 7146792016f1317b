import {
  type ApiScope,
  type BaseDeps,
  openSpaces,
  openVehicles,
  recordOccupant,
  updatePersonRoles,
  upsertHouse,
  upsertSpace,
  upsertVehicle,
} from '@shequ/core';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Caller } from '../routes/open-api.ts';
import { spacesQuery, vehiclesQuery } from './schemas.ts';

type Actor = { subject: string; role: string; ip: string | null; requestId: string };

/** What the open API's registration hands the exchange routes: its signed-route helper and body/query parsing. */
export interface ExchangeRouteKit {
  route: (
    method: 'GET' | 'POST',
    url: string,
    scope: ApiScope,
    handler: (req: FastifyRequest, caller: Caller, body: Buffer) => Promise<{ status: number; body: unknown }>,
  ) => unknown;
  deps: BaseDeps;
  parse: <T extends z.ZodType>(schema: T, value: unknown) => z.infer<T>;
  jsonOf: (body: Buffer) => unknown;
  actorOf: (req: FastifyRequest, c: Caller) => Actor;
}

/**
 * The provincial data exchange under `/open/v1` (DB33 6.3.1.2, 6.3.1.3, 6.3.2.2, 6.3.3.2, 6.3.4.2): authorised
 * updates of occupants, party members and staff, houses, vehicles and public spaces, and reads of vehicles and spaces.
 */
export function registerExchangeRoutes({ route, deps, parse, jsonOf, actorOf }: ExchangeRouteKit) {
  // Bodies are the exchange schemas of `schemas/`, checked by the base-data services themselves: the API and the
  // console agree on every rule.
  const created = (r: { result: string }) => (r.result === 'created' ? 201 : 200);

  // Upserts of a record found by its identity: 201 when created, 200 when updated or unchanged.
  const upserts = [
    ['/open/v1/houses', 'houses.write', upsertHouse],
    ['/open/v1/vehicles', 'vehicles.write', upsertVehicle],
    ['/open/v1/spaces', 'spaces.write', upsertSpace],
  ] as const;
  for (const [url, scope, upsert] of upserts) {
    route('POST', url, scope, async (req, caller, body) => {
      const r = await upsert(deps, caller.client.communityId, jsonOf(body), actorOf(req, caller));
      return { status: created(r), body: r };
    });
  }

  route('GET', '/open/v1/vehicles', 'vehicles.read', async (req, caller) => {
    const q = parse(vehiclesQuery, req.query);
    return { status: 200, body: await openVehicles(deps, caller.client.communityId, q) };
  });

  route('GET', '/open/v1/spaces', 'spaces.read', async (req, caller) => {
    const q = parse(spacesQuery, req.query);
    return { status: 200, body: await openSpaces(deps, caller.client.communityId, q) };
  });

  route('POST', '/open/v1/people/occupants', 'people.occupants.write', async (req, caller, body) => {
    const r = await recordOccupant(deps, caller.client.communityId, jsonOf(body), actorOf(req, caller));
    return { status: r.person === 'created' || r.occupancy === 'created' ? 201 : 200, body: r };
  });

  route('POST', '/open/v1/people/roles', 'people.roles.write', async (req, caller, body) => {
    const r = await updatePersonRoles(deps, caller.client.communityId, jsonOf(body), actorOf(req, caller));
    return { status: created(r), body: r };
  });
}
