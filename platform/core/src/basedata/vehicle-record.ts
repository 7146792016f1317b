import { baseSchemas, fieldErrors, validatorFor } from '@shequ/schemas';
import type { Checked } from './person-record.ts';
import { checkIdNumber, checkPlate, type PlateColour } from './validate/index.ts';

export interface VehicleRecord {
  plate: string;
  plateColour: PlateColour;
  kind: 'resident' | 'temporary';
  energy: 'new' | 'fuel';
  ownerIdNumber?: string;
  compound?: string;
  parkingSpace?: string;
  brand?: string;
  bodyColour?: string;
  parkingMinutes?: number;
}

/** Schema check, then GA 36: the plate normalised, its colour defaulted from the plate type or checked against it. */
export function checkVehicle(raw: Record<string, unknown>): Checked<VehicleRecord> {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') {
      const t = v.trim();
      if (t !== '') input[k] = k === 'parkingMinutes' && /^\d+$/.test(t) ? Number(t) : t;
    } else if (v != null) input[k] = v;
  }
  const validate = validatorFor(baseSchemas.vehicle);
  const errors = validate(input) ? {} : fieldErrors(validate.errors);
  const v = input as unknown as VehicleRecord;
  let energy: VehicleRecord['energy'] = 'fuel';
  if (!errors.plate && !errors.plateColour) {
    const p = checkPlate(v.plate, v.plateColour);
    if (p.ok) {
      v.plate = p.value;
      v.plateColour = v.plateColour ?? p.defaultColour;
      energy = p.energy;
    } else errors.plate = [`${p.zh} / ${p.en}`];
  }
  if (v.ownerIdNumber && !errors.ownerIdNumber) {
    const id = checkIdNumber(v.ownerIdNumber);
    if (id.ok) v.ownerIdNumber = id.value;
    else errors.ownerIdNumber = [`${id.zh} / ${id.en}`];
  }
  if (v.kind === 'resident' && v.parkingMinutes !== undefined)
    errors.parkingMinutes = ['居民车辆无停放时长 / only temporary vehicles have a parking duration'];
  if (Object.keys(errors).length) return { ok: false, fieldErrors: errors };
  return { ok: true, value: { ...v, energy } };
}

/** The stored columns of a vehicle record, with the compound and owner it was linked to (import and console alike). */
export function vehicleColumns(
  v: VehicleRecord,
  links: { communityId: string; compoundId?: string; ownerId?: string; actor: string },
) {
  return {
    communityId: links.communityId,
    plate: v.plate,
    plateColour: v.plateColour,
    kind: v.kind,
    energy: v.energy,
    ownerPersonId: links.ownerId ?? null,
    compoundId: links.compoundId ?? null,
    parkingSpace: v.parkingSpace ?? null,
    brand: v.brand ?? null,
    bodyColour: v.bodyColour ?? null,
    parkingMinutes: v.parkingMinutes ?? null,
    createdBy: links.actor,
    updatedBy: links.actor,
  };
}
