import type { RegisterAsset } from './asset-commands';
import { given, NOW, on, registered } from './testing/asset-spec';

const register = (overrides: Partial<RegisterAsset['data']> = {}): RegisterAsset => ({
  type: 'RegisterAsset',
  data: {
    assetId: 'A-1',
    customerId: 'C-1',
    name: 'Office fit-out, 3rd floor',
    kind: 'renovation',
    acceptedAt: '2025-06-30',
    coverages: [{ category: 'waterproofing', years: 5 }, { category: 'other', years: 2 }],
    entitlements: { relocation: 1, rebuild: 1, inspectionsPerYear: 1 },
    at: on('2025-07-01'),
    ...overrides,
  },
});

describe('RegisterAsset', () => {
  it('registers with the defaults filled in: Shanghai, coverage from acceptance', () => {
    given().when(register()).then([registered()]);
  });

  it('gives nothing away by default: entitlements left out are 0', () => {
    given()
      .when(register({ entitlements: { relocation: 2 } }))
      .then([registered({ entitlements: { relocation: 2, rebuild: 0, inspectionsPerYear: 0 } })]);
    const { decision } = given().when(register({ entitlements: undefined }));
    expect(decision.ok && decision.events[0]!.data).toMatchObject({ entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 0 } });
  });

  it('keeps the whole archive: owner, contract, contacts, subcontractors, sale date, zone, and only their known fields', () => {
    const archive = {
      ownerName: 'Li Wei',
      saleDate: '2025-06-01',
      timeZone: 'Europe/Berlin',
      contract: { number: 'W-2025-17', signedAt: '2025-06-30', terms: 'as per national rules' },
      contacts: [{ name: 'Zhang San', role: 'property manager', phone: '+86 10 1234 5678' }],
      subcontractors: [{ name: 'Dry Ltd', warrantyItems: ['roof membrane'], contact: 'Wang, 139...', warrantyAmount: 12000 }],
    };
    const withExtra = { ...archive, contacts: [{ ...archive.contacts[0]!, shoeSize: 42 }] } as unknown as Partial<RegisterAsset['data']>;
    given().when(register(withExtra)).then([registered(archive)]);
  });

  it('records months and coverage from the sale', () => {
    given()
      .when(register({ saleDate: '2025-06-01', coverages: [{ category: 'appliance', startsFrom: 'sale', months: 18 }] }))
      .then([registered({ saleDate: '2025-06-01', coverages: [{ category: 'appliance', startsFrom: 'sale', months: 18 }] })]);
  });

  it('records a first visit (from the acceptance unless told) and the tickets the schedule reports, each kind once', () => {
    given()
      .when(register({ firstVisit: { afterDays: 30 }, autoTickets: ['revisit', 'inspection', 'revisit'] }))
      .then([registered({ firstVisit: { afterDays: 30, from: 'acceptance' }, autoTickets: ['inspection', 'revisit'] })]);
    given()
      .when(register({ saleDate: '2025-06-01', firstVisit: { afterDays: 0, from: 'sale' }, autoTickets: [] }))
      .then([registered({ saleDate: '2025-06-01', firstVisit: { afterDays: 0, from: 'sale' } })]);
  });

  it('defaults at to now', () => {
    const { decision } = given().when(register({ at: undefined }));
    expect(decision.ok && decision.events[0]!.data.at).toBe(NOW);
  });

  it('refuses a second registration', () => {
    given(registered()).when(register()).thenFails('ASSET_ALREADY_EXISTS', 'assetId');
  });

  it.each([
    ['no asset id', { assetId: ' ' }, 'assetId'],
    ['no customer', { customerId: undefined }, 'customerId'],
    ['an empty owner name', { ownerName: '' }, 'ownerName'],
    ['no kind', { kind: undefined }, 'kind'],
    ['an impossible acceptance date', { acceptedAt: '2025-02-29' }, 'acceptedAt'],
    ['an acceptance instant instead of a date', { acceptedAt: '2025-06-30T00:00:00Z' }, 'acceptedAt'],
    ['a bad sale date', { saleDate: '2025/06/01' }, 'saleDate'],
    ['an unknown zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['no coverages', { coverages: [] }, 'coverages'],
    ['years and months both', { coverages: [{ category: 'x', years: 1, months: 2 }] }, 'coverages[0].years'],
    ['neither years nor months', { coverages: [{ category: 'x' }] }, 'coverages[0].years'],
    ['zero years', { coverages: [{ category: 'x', years: 0 }] }, 'coverages[0].years'],
    ['fractional months', { coverages: [{ category: 'x', months: 1.5 }] }, 'coverages[0].months'],
    ['over a hundred years', { coverages: [{ category: 'x', years: 101 }] }, 'coverages[0].years'],
    ['an unknown start', { coverages: [{ category: 'x', years: 1, startsFrom: 'delivery' }] }, 'coverages[0].startsFrom'],
    ['a sale coverage without a sale date', { coverages: [{ category: 'x', years: 1, startsFrom: 'sale' }] }, 'saleDate'],
    ['a category twice', { coverages: [{ category: 'x', years: 1 }, { category: 'x', years: 2 }] }, 'coverages[1].category'],
    ['a coverage that is not an object', { coverages: ['x'] }, 'coverages[0]'],
    ['a negative entitlement', { entitlements: { rebuild: -1 } }, 'entitlements.rebuild'],
    ['a fractional entitlement', { entitlements: { inspectionsPerYear: 0.5 } }, 'entitlements.inspectionsPerYear'],
    ['a contract without a number', { contract: { terms: 't' } }, 'contract.number'],
    ['a contract signed on no date', { contract: { number: 'n', signedAt: 'June' } }, 'contract.signedAt'],
    ['a contact without a name', { contacts: [{ phone: '1' }] }, 'contacts[0].name'],
    ['contacts that are not a list', { contacts: { name: 'x' } }, 'contacts'],
    ['a subcontractor without warranty items', { subcontractors: [{ name: 's', warrantyItems: [] }] }, 'subcontractors[0].warrantyItems'],
    ['an empty warranty item', { subcontractors: [{ name: 's', warrantyItems: ['a', ''] }] }, 'subcontractors[0].warrantyItems[1]'],
    ['a negative warranty amount', { subcontractors: [{ name: 's', warrantyItems: ['a'], warrantyAmount: -5 }] }, 'subcontractors[0].warrantyAmount'],
    ['a first visit with no days', { firstVisit: {} }, 'firstVisit.afterDays'],
    ['a first visit after negative days', { firstVisit: { afterDays: -1 } }, 'firstVisit.afterDays'],
    ['a first visit after fractional days', { firstVisit: { afterDays: 1.5 } }, 'firstVisit.afterDays'],
    ['a first visit after more than ten years', { firstVisit: { afterDays: 3661 } }, 'firstVisit.afterDays'],
    ['a first visit from an unknown date', { firstVisit: { afterDays: 3, from: 'delivery' } }, 'firstVisit.from'],
    ['a first visit from the sale without a sale date', { firstVisit: { afterDays: 3, from: 'sale' } }, 'saleDate'],
    ['a first visit with an unknown field', { firstVisit: { afterDays: 3, months: 1 } }, 'firstVisit.months'],
    ['a first visit that is not an object', { firstVisit: 30 }, 'firstVisit'],
    ['an auto ticket of an unknown kind', { autoTickets: ['inspection', 'relocation'] }, 'autoTickets[1]'],
    ['auto tickets that are not a list', { autoTickets: 'inspection' }, 'autoTickets'],
    ['an at without an offset', { at: '2025-07-01T10:00:00' }, 'at'],
  ])('refuses %s', (_name, overrides, field) => {
    given()
      .when(register(overrides as Partial<RegisterAsset['data']>))
      .thenFails('INVALID_INPUT', field);
  });

  it('refuses an at in the future, beyond 5 s of skew', () => {
    given().when(register({ at: '2031-01-01T00:00:06.000Z' })).thenFails('AT_IN_FUTURE', 'at');
    given().when(register({ at: '2031-01-01T00:00:05.000Z' })).then([registered({ at: '2031-01-01T00:00:05.000Z' })]);
  });

  it('refuses an unknown command, a command without data, and an unparsable now', () => {
    given().when({ type: 'ScrapAsset', data: {} } as never).thenFails('INVALID_INPUT', 'type');
    given().when({ type: 'RegisterAsset' } as never).thenFails('INVALID_INPUT', 'data');
    given().when(register(), 'tomorrow').thenFails('INVALID_INPUT', 'now');
  });

  it('refuses every other command on an asset that is not registered', () => {
    given()
      .when({ type: 'RecordDeposit', data: { kind: 'recovery', amount: 10 } })
      .thenFails('ASSET_NOT_FOUND');
  });
});
