// Compiled by `tsc -p bindings/wasm/test/types` in scripts/test: the package's types
// (js/*.d.mts, api.d.mts generated from schemas/api.json) hold together under
// `strict`, a typed call checks its arguments and result, and each line marked
// `@ts-expect-error` must be refused — were the types loose (`any`), tsc would fail
// on the unused marker.
import {
  AccessDenied, COMMANDS, Engine, InvalidInput, TehoError, personalCode,
  type CalendarVisit, type ClientFileId, type NewPlan, type NotDoneReason, type Visit,
} from '../../js/node.mjs';

const engine = new Engine('2026-11-02T07:00:00Z');
const [city, admin] = engine.bootstrap('System',
  { name: 'Lasnamäe linnaosa valitsus', kind: 'Municipality', registry_code: null },
  { personal_code: '38001010015', given_name: 'Mari', family_name: 'Haldur', employed_from: '2020-01-01' });
const cityName: string = city.name;
const admins: string = admin.given_name;

const plan: NewPlan = { file: 'f', domain: 'Care', provider: city.id };
// @ts-expect-error: a domain the engine does not have
const wrongDomain: NewPlan = { file: 'f', domain: 'Cooking', provider: city.id };
// @ts-expect-error: a field left out that must be given
const noProvider: NewPlan = { file: 'f', domain: 'Care' };

function day(file: ClientFileId, worker: string): Visit[] {
  const visits: CalendarVisit[] = engine.workerCalendar({ Worker: worker }, worker, '2026-11-02', '2026-11-02');
  // @ts-expect-error: a calendar line is not a visit; its visit is `.visit`
  const wrong: Visit[] = visits;
  return visits.map((c) => c.visit).filter((v) => v.file === file);
}

const reason: NotDoneReason = 'ClientNotAtHome';
// @ts-expect-error: not a not-done reason
const made: NotDoneReason = 'Bored';
const left: Visit = engine.markNotDone({ Worker: 'w' }, 'v', reason, '');
// @ts-expect-error: the text is required, even when empty
engine.markNotDone({ Worker: 'w' }, 'v', reason);

try {
  personalCode('38001010015').birth_date.startsWith('1980');
} catch (err) {
  if (err instanceof AccessDenied) console.log(err.code, err.details['reason']);
  if (err instanceof InvalidInput || err instanceof TehoError) console.log(err.message);
}
const method: string | undefined = COMMANDS['mark_done'];
const image: string = engine.save();
const again: Engine = Engine.load(image, '2026-11-03T07:00:00Z');
const live: Engine = new Engine();

export { cityName, admins, plan, wrongDomain, noProvider, day, made, left, method, again, live };
