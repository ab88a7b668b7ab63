import { ASSET_EVENT_TYPES } from './assets/asset-events';
import { mapPersonalValues, PERSONAL_FIELDS, personalFieldsOf, personalValues } from './personal-fields';
import { TICKET_EVENT_TYPES } from './ticket-events';

const registered = {
  assetId: 'a-1',
  customerId: 'c-1',
  ownerName: 'Wang Fang',
  name: 'Tower A lift',
  contacts: [
    { name: 'Li Lei', role: 'facilities', phone: '+86 138 0000 0001' },
    { name: 'Han Mei', email: 'han.mei@example.cn' },
  ],
  subcontractors: [{ name: 'Lift Co', warrantyItems: ['motor'], contact: 'Zhao Qiang 139 0000 0002' }, { name: 'Glass Co', warrantyItems: [] }],
  at: '2026-01-01T00:00:00.000Z',
};

describe('PERSONAL_FIELDS', () => {
  it('declares every ticket and asset event type, and only those', () => {
    expect(Object.keys(PERSONAL_FIELDS).sort()).toEqual([...TICKET_EVENT_TYPES, ...ASSET_EVENT_TYPES].sort());
  });

  it('never declares an id as personal: ids are pseudonyms', () => {
    const paths = Object.values(PERSONAL_FIELDS).flatMap((fields) => fields.map((field) => field.path));
    expect(paths.filter((path) => /Id$|\bid$/.test(path))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['ownerName', 'contacts[].phone', 'contacts[].email', 'comment', 'note', 'summary']));
  });

  it('knows no fields of a type it does not declare', () => {
    expect(personalFieldsOf('PersonalDataErased')).toEqual([]);
    expect(personalFieldsOf('toString')).toEqual([]);
  });
});

describe('personalValues', () => {
  it('finds each present value with its concrete path, and skips what is absent', () => {
    expect(personalValues('AssetRegistered', registered)).toEqual([
      { path: 'ownerName', value: 'Wang Fang' },
      { path: 'contacts[0].name', value: 'Li Lei' },
      { path: 'contacts[1].name', value: 'Han Mei' },
      { path: 'contacts[0].phone', value: '+86 138 0000 0001' },
      { path: 'contacts[1].email', value: 'han.mei@example.cn' },
      { path: 'subcontractors[0].contact', value: 'Zhao Qiang 139 0000 0002' },
    ]);
    expect(personalValues('SatisfactionRated', { kind: 'onsite', score: 5, at: 'x' })).toEqual([]);
    expect(personalValues('SatisfactionRated', { kind: 'onsite', score: 2, comment: 'rude', at: 'x' })).toEqual([{ path: 'comment', value: 'rude' }]);
  });
});

describe('mapPersonalValues', () => {
  it('replaces the personal values only, leaving the input unchanged', () => {
    const before = JSON.stringify(registered);
    const mapped = mapPersonalValues('AssetRegistered', registered, (value) => `<${String(value)}>`);
    expect(JSON.stringify(registered)).toBe(before);
    expect(mapped).toMatchObject({
      assetId: 'a-1',
      customerId: 'c-1',
      ownerName: '<Wang Fang>',
      name: 'Tower A lift',
      contacts: [
        { name: '<Li Lei>', role: 'facilities', phone: '<+86 138 0000 0001>' },
        { name: '<Han Mei>', email: '<han.mei@example.cn>' },
      ],
      subcontractors: [{ name: 'Lift Co', warrantyItems: ['motor'], contact: '<Zhao Qiang 139 0000 0002>' }, { name: 'Glass Co', warrantyItems: [] }],
    });
    expect(mapped.subcontractors).not.toBe(registered.subcontractors);
    expect((mapped.subcontractors as unknown[])[1]).toBe(registered.subcontractors[1]);
  });

  it('returns the same object when the type has nothing personal or nothing present', () => {
    const data = { engineerId: 'e-1', tier: 'onsite', escalation: false, at: 'x' };
    expect(mapPersonalValues('EngineerDispatched', data, () => 'changed')).toBe(data);
    const acknowledged = { by: 'desk', at: 'x' };
    expect(mapPersonalValues('ResponseAcknowledged', acknowledged, () => 'changed')).toBe(acknowledged);
  });

  it('leaves a value of an unexpected shape where a path cannot go', () => {
    const odd = { contacts: 'not a list', ownerName: null };
    expect(mapPersonalValues('AssetRegistered', odd, () => 'changed')).toBe(odd);
  });
});
