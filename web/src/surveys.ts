// SPDX-License-Identifier: Apache-2.0
/**
 * Customer view, survey requests (contract/survey, docs/SURVEYS.md): the surveys asked of the chosen
 * meter and period, each accepted or refused here. Accepting runs the customer software's privacy
 * guard on the period's whole key set (tariffs and accepted surveys) and seals the functional key
 * to the surveyor in this browser; a refusal by the guard is recorded on the ledger too.
 */
import type { Survey } from '../../src/contract/index.js';
import type { Customer } from '../../src/roles/customer/customer.js';
import { CustomerSurveys } from '../../src/roles/customer/survey.js';
import { SurveyApi } from '../../src/roles/surveyor/api.js';
import { $, act, el, table } from './dom.js';
import type { Session } from './session.js';

interface Epoch {
    meter: string;
    channel: string;
    period: string;
}

export function surveysPanel(
    session: Session,
    customer: Customer,
    current: () => Epoch | undefined,
): { ready(enabled: boolean): void } {
    const button = $('c-surveys') as HTMLButtonElement;
    const out = $('c-surveys-out');
    const cs = new CustomerSurveys({
        api: session.api,
        surveys: new SurveyApi(session.client),
        customer,
    });
    const decide = (b: HTMLButtonElement, s: Survey, e: Epoch, what: 'accept' | 'refuse'): void => {
        b.onclick = () =>
            void act(
                b,
                `${what === 'accept' ? 'Accepting' : 'Refusing'} survey ${s.id}`,
                async () => {
                    const ref = { ...e, survey: s.id };
                    try {
                        if (what === 'accept') await cs.accept(ref);
                        else await cs.refuse(ref, 'refused by the customer in the dashboard');
                    } finally {
                        await render(e);
                    }
                },
            );
    };
    const render = async (e: Epoch): Promise<void> => {
        const list = await cs.list(e.meter, e.channel, e.period);
        out.replaceChildren(
            list.length === 0
                ? el('p', {}, `No survey requests for ${e.meter}, ${e.period}.`)
                : table(
                      `Survey requests for ${e.meter}, ${e.channel}, ${e.period}`,
                      ['survey', 'requester', 'purpose', 'asks for', 'status', 'decide'],
                      list.map((s) => {
                          const cell = el('span', {});
                          if (s.status === 'open') {
                              const yes = el(
                                  'button',
                                  { type: 'button', 'data-survey': s.id, 'data-action': 'accept' },
                                  'Accept',
                              );
                              const no = el(
                                  'button',
                                  { type: 'button', 'data-survey': s.id, 'data-action': 'refuse' },
                                  'Refuse',
                              );
                              decide(yes, s, e, 'accept');
                              decide(no, s, e, 'refuse');
                              cell.append(yes, ' ', no);
                          } else cell.append(s.decision?.reason ?? '');
                          return [
                              s.id,
                              s.requester,
                              s.purpose,
                              typeof s.spec.kind === 'string' ? s.spec.kind : 'zones',
                              el(
                                  'span',
                                  {
                                      'data-testid': 'survey-status',
                                      'data-survey': s.id,
                                      class:
                                          s.status === 'refused'
                                              ? 'bad'
                                              : s.status === 'accepted'
                                                ? 'ok'
                                                : '',
                                  },
                                  s.status,
                              ),
                              cell,
                          ];
                      }),
                      { testid: 'surveys' },
                  ),
        );
    };
    button.onclick = () =>
        void act(button, 'Loading survey requests', async () => {
            const e = current();
            if (e === undefined) throw new Error('choose a meter and a period');
            await render(e);
        });
    return {
        ready(enabled) {
            button.disabled = !enabled;
        },
    };
}
