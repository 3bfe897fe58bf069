// Prints, as JSON, how npm `node-ical` and `ical.js` read an iCalendar file:
// for each parser the instants (Unix seconds) of every VEVENT as written
// (`components`: uid, start, end) and of every occurrence once recurrences
// are expanded inside [from, to) (`occurrences`: uid, start, end).
// Usage: node instants.mjs FILE.ics FROM TO   (FROM/TO in Unix seconds).
// Run by bindings/cli/tests/ics_check.py (./scripts/test, "iCalendar").
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ICAL from 'ical.js';

const require = createRequire(import.meta.url);
const nodeIcal = require('node-ical');

const [file, fromArg, toArg] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
const from = Number(fromArg);
const to = Number(toArg);
const secs = (d) => Math.round(d.getTime() / 1000);
const order = (a, b) => a.start - b.start || a.end - b.end || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

function readNodeIcal() {
  const data = nodeIcal.sync.parseICS(text);
  const components = [];
  const occurrences = [];
  for (const ev of Object.values(data)) {
    if (ev.type !== 'VEVENT') continue;
    components.push({ uid: ev.uid, start: secs(ev.start), end: secs(ev.end) });
    const instances = nodeIcal.expandRecurringEvent(ev, {
      from: new Date(from * 1000),
      to: new Date((to - 1) * 1000),
      expandOngoing: true,
    });
    for (const i of instances) {
      const start = secs(i.start);
      const end = secs(i.end);
      if (start < to && end > from) occurrences.push({ uid: ev.uid, start, end });
    }
  }
  return { components: components.sort(order), occurrences: occurrences.sort(order) };
}

function readIcalJs() {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const tz of root.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(tz);
  }
  const components = [];
  const occurrences = [];
  for (const vevent of root.getAllSubcomponents('vevent')) {
    const ev = new ICAL.Event(vevent);
    components.push({ uid: ev.uid, start: ev.startDate.toUnixTime(), end: ev.endDate.toUnixTime() });
    if (!ev.isRecurring()) {
      const start = ev.startDate.toUnixTime();
      const end = ev.endDate.toUnixTime();
      if (start < to && end > from) occurrences.push({ uid: ev.uid, start, end });
      continue;
    }
    const it = ev.iterator();
    for (let t = it.next(); t; t = it.next()) {
      const d = ev.getOccurrenceDetails(t);
      const start = d.startDate.toUnixTime();
      const end = d.endDate.toUnixTime();
      if (start >= to) break;
      if (end > from) occurrences.push({ uid: ev.uid, start, end });
    }
  }
  return { components: components.sort(order), occurrences: occurrences.sort(order) };
}

process.stdout.write(JSON.stringify({ 'node-ical': readNodeIcal(), 'ical.js': readIcalJs() }) + '\n');
