import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import Stripe from 'stripe';

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, any>;
  idempotencyKey: string | undefined;
  status: number;
}

type Obj = Record<string, any>;

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Sets `a[b][0][c]=v` into nested objects; objects whose keys are all indexes become arrays. */
export function parseForm(body: string): Obj {
  const root: Obj = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node: Obj = root;
    parts.forEach((part, i) => {
      const name = part === '' ? String(Object.keys(node).length) : part;
      if (i === parts.length - 1) node[name] = value;
      else node = node[name] ??= {};
    });
  }
  return arrays(root) as Obj;
}

function arrays(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const o = value as Obj;
  const keys = Object.keys(o);
  for (const k of keys) o[k] = arrays(o[k]);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => o[k]);
  return o;
}

class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const required = (params: Obj, ...paths: string[]) => {
  for (const p of paths) {
    const v = p.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), params);
    if (v === undefined || v === '') throw new StripeFailure(400, 'invalid_request_error', `Missing required param: ${p}.`);
  }
};
const int = (v: unknown, name: string) => {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new StripeFailure(400, 'invalid_request_error', `Invalid integer: ${name}`);
  return Number(v);
};

/**
 * A local stand-in for the parts of the Stripe API that Assay calls, for the real SDK to talk to. It checks required
 * params, honours Idempotency-Key like Stripe (same key and params: the same response; other params: an error),
 * records every request, can be told to fail, and lets tests move objects (pay a session, fail an invoice...).
 * @example const fake = await FakeStripe.start(); startTestApp({ STRIPE_API_URL: fake.url, ... })
 */
export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  readonly objects = new Map<string, Obj>();
  private readonly idempotent = new Map<string, { params: string; status: number; body: Obj }>();
  private failures: { method: string; pathPrefix: string; status: number; times: number }[] = [];
  private delays: { method: string; pathPrefix: string; ms: number; times: number }[] = [];
  /** Delayed requests not yet answered (their effect is not applied yet either). */
  private delayedInFlight = 0;
  /** Meter events accepted, by identifier: a repeated identifier is not counted again (Stripe dedupes on it). */
  readonly meterEvents = new Map<string, { event_name: string; customer: string; value: string; timestamp: number; identifier: string }>();
  /** Requests received and not answered yet (held by a delay, say). */
  inFlight = 0;
  /** Meter event requests whose identifier had been accepted before (answered, not counted). */
  meterEventRepeats = 0;
  /** The webhook signing secret tests sign with. */
  readonly webhookSecret = 'whsec_test_fake_stripe_secret';
  readonly secretKey = 'sk_test_fake_stripe_key';
  /** Transactions of the watched database that were open across a Stripe request (see `watchTransactions`). */
  readonly openTransactions: { path: string; state: string; query: string }[] = [];
  private watch?: { pool: pg.Pool; holdMs: number };
  private server!: http.Server;
  url = '';

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe();
    fake.server = http.createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Environment for `startTestApp` that puts the server in Stripe mode against this fake. */
  env(): Record<string, string> {
    return { STRIPE_SECRET_KEY: this.secretKey, STRIPE_WEBHOOK_SECRET: this.webhookSecret, STRIPE_API_URL: this.url };
  }

  async close(): Promise<void> {
    await this.unwatchTransactions();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * From now on every request is held `holdMs`, then the fake looks in `pg_stat_activity` of the app's database for a
   * session whose transaction began before the request arrived and is still open, waiting on its client: the app would
   * be holding a transaction (and a pooled connection) across its Stripe call. Each one is kept in `openTransactions`.
   */
  watchTransactions(databaseUrl: string, holdMs = 150): void {
    this.watch = { pool: new pg.Pool({ connectionString: databaseUrl, max: 2 }), holdMs };
  }

  /** Stops watching (and holding requests). */
  async unwatchTransactions(): Promise<void> {
    const watch = this.watch;
    this.watch = undefined;
    await watch?.pool.end();
  }

  private async checkTransactions(path: string, arrivedAt: Date): Promise<void> {
    const watch = this.watch!;
    await new Promise((r) => setTimeout(r, watch.holdMs));
    const res = await watch.pool.query<{ state: string; query: string }>(
      `SELECT state, query FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%' AND xact_start < $1`,
      [arrivedAt],
    );
    for (const row of res.rows) this.openTransactions.push({ path, ...row });
  }

  /** The next `times` requests matching method and path prefix answer `status` (500, 429...). */
  failNext(method: string, pathPrefix: string, status: number, times = 1): void {
    this.failures.push({ method, pathPrefix, status, times });
  }

  /**
   * The next `times` requests matching method and path prefix are answered only after `ms` (a slow or timing-out Stripe:
   * like the real one, the request still takes effect when the client has given up waiting).
   */
  delayNext(method: string, pathPrefix: string, ms: number, times = 1): void {
    this.delays.push({ method, pathPrefix, ms, times });
  }

  /** Resolves once every delayed request has been answered and taken effect (see `delayNext`). */
  async delayedAnswered(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.delayedInFlight > 0) {
      if (Date.now() > deadline) throw new Error(`${this.delayedInFlight} delayed Stripe requests still unanswered`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Forgets injected failures and delays. */
  heal(): void {
    this.failures = [];
    this.delays = [];
  }

  /** Sum of accepted meter event values per customer for an event name. */
  meterTotals(eventName?: string): Map<string, number> {
    const totals = new Map<string, number>();
    for (const e of this.meterEvents.values()) {
      if (eventName && e.event_name !== eventName) continue;
      totals.set(e.customer, (totals.get(e.customer) ?? 0) + Number(e.value));
    }
    return totals;
  }

  /** Successful requests of one kind, e.g. `calls('POST', '/v1/checkout/sessions')`. */
  calls(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path && r.status < 400);
  }

  /** Distinct objects created of one kind. */
  created(prefix: string): Obj[] {
    return [...this.objects.values()].filter((o) => String(o.id).startsWith(`${prefix}_`));
  }

  get(id: string): Obj {
    const o = this.objects.get(id);
    if (!o) throw new Error(`fake stripe: no object ${id}`);
    return o;
  }

  // --- moving objects, as Stripe would after a buyer acts ----------------------

  /** The buyer pays a Checkout Session: payment mode gets a succeeded payment intent and charge; subscription mode an active subscription and a paid first invoice. */
  completeCheckout(sessionId: string): { session: Obj; subscription?: Obj; invoice?: Obj } {
    const session = this.get(sessionId);
    session.status = 'complete';
    session.payment_status = 'paid';
    if (session.mode === 'payment') {
      const charge = this.put({ id: id('ch'), object: 'charge', amount: session.amount_total, currency: session.currency });
      const intent = this.put({
        id: id('pi'),
        object: 'payment_intent',
        amount: session.amount_total,
        currency: session.currency,
        status: 'succeeded',
        latest_charge: charge.id,
        metadata: session._payment_intent_data?.metadata ?? {},
      });
      session.payment_intent = intent.id;
      return { session };
    }
    const subscription = this.createSubscription({
      customer: session.customer,
      items: [{ price: session._price_id }],
      metadata: session._subscription_data?.metadata ?? {},
      application_fee_percent: session._subscription_data?.application_fee_percent,
      trial_period_days: session._subscription_data?.trial_period_days,
    });
    session.subscription = subscription.id;
    const invoice = this.createInvoice(subscription, 'paid');
    return { session, subscription, invoice };
  }

  expireCheckout(sessionId: string): Obj {
    const session = this.get(sessionId);
    session.status = 'expired';
    return session;
  }

  /** A renewal invoice for a subscription; 'paid' keeps it active, 'open' (failed) makes it past_due. */
  renew(subscriptionId: string, outcome: 'paid' | 'failed'): Obj {
    const sub = this.get(subscriptionId);
    const invoice = this.createInvoice(sub, outcome === 'paid' ? 'paid' : 'open');
    sub.status = outcome === 'paid' ? 'active' : 'past_due';
    return invoice;
  }

  endSubscription(subscriptionId: string): Obj {
    const sub = this.get(subscriptionId);
    sub.status = 'canceled';
    sub.ended_at = nowSeconds();
    return sub;
  }

  enableAccount(accountId: string): Obj {
    const account = this.get(accountId);
    Object.assign(account, { charges_enabled: true, payouts_enabled: true, details_submitted: true });
    return account;
  }

  /** A Stripe event about `object` (a snapshot of it now), as a JSON payload and a valid signature header. */
  event(
    type: string,
    object: Obj,
    options: { id?: string; timestamp?: number; secret?: string } = {},
  ): { payload: string; signature: string; id: string } {
    const eventId = options.id ?? id('evt');
    const payload = JSON.stringify({
      id: eventId,
      object: 'event',
      type,
      created: nowSeconds(),
      livemode: false,
      api_version: '2026-10-28.endive',
      data: { object: structuredClone(object) },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? this.webhookSecret,
      ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
    });
    return { payload, signature, id: eventId };
  }

  // --- the HTTP side -------------------------------------------------------------

  private put(o: Obj): Obj {
    this.objects.set(o.id, o);
    return o;
  }

  private createSubscription(params: Obj): Obj {
    const start = nowSeconds();
    const trialDays = trialPeriodDays(params.trial_period_days);
    // Stripe starts the first paid period when the trial ends.
    const trialEnd = trialDays ? start + trialDays * 86400 : null;
    return this.put({
      id: id('sub'),
      object: 'subscription',
      status: trialEnd ? 'trialing' : 'active',
      trial_start: trialEnd ? start : null,
      trial_end: trialEnd,
      customer: params.customer,
      start_date: start,
      cancel_at_period_end: false,
      canceled_at: null,
      ended_at: null,
      application_fee_percent: params.application_fee_percent ? Number(params.application_fee_percent) : null,
      transfer_data: params.transfer_data ?? null,
      metadata: params.metadata ?? {},
      items: {
        object: 'list',
        data: (params.items ?? []).map((i: Obj) => ({
          id: id('si'),
          object: 'subscription_item',
          price: this.objects.get(i.price) ?? { id: i.price },
          current_period_start: start,
          current_period_end: trialEnd ?? start + 30 * 86400,
        })),
      },
    });
  }

  private createInvoice(sub: Obj, status: 'paid' | 'open'): Obj {
    const price = sub.items.data[0]?.price ?? {};
    // A trialing subscription's first invoice is for nothing.
    const amount = sub.status !== 'trialing' && price.unit_amount != null ? Number(price.unit_amount) : 0;
    return this.put({
      id: id('in'),
      object: 'invoice',
      status,
      amount_due: amount,
      amount_paid: status === 'paid' ? amount : 0,
      currency: price.currency ?? 'usd',
      customer: sub.customer,
      parent: { type: 'subscription_details', subscription_details: { subscription: sub.id, metadata: sub.metadata } },
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.answer(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrivedAt = new Date();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body = Buffer.concat(chunks).toString('utf8');
    const params = method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(body);
    const key = req.headers['idempotency-key'] as string | undefined;
    const record: RecordedRequest = { method, path: url.pathname, params, idempotencyKey: key, status: 200 };
    this.requests.push(record);
    const send = (status: number, payload: Obj) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
      return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    }
    const failure = this.failures.find((f) => f.times > 0 && f.method === method && url.pathname.startsWith(f.pathPrefix));
    if (failure) {
      failure.times--;
      return send(failure.status, {
        error: { type: failure.status === 429 ? 'rate_limit_error' : 'api_error', message: 'Injected failure' },
      });
    }
    if (this.watch) await this.checkTransactions(url.pathname, arrivedAt);
    const delay = this.delays.find((d) => d.times > 0 && d.method === method && url.pathname.startsWith(d.pathPrefix));
    if (delay) {
      delay.times--;
      this.delayedInFlight++;
      await new Promise((r) => setTimeout(r, delay.ms)).finally(() => this.delayedInFlight--);
    }
    const cacheKey = key && method === 'POST' ? `${url.pathname}|${key}` : undefined;
    if (cacheKey) {
      const seen = this.idempotent.get(cacheKey);
      if (seen) {
        if (seen.params !== body) {
          return send(400, {
            error: {
              type: 'idempotency_error',
              message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
            },
          });
        }
        return send(seen.status, seen.body);
      }
    }
    try {
      const result = this.route(method, url.pathname, params);
      if (cacheKey) this.idempotent.set(cacheKey, { params: body, status: 200, body: result });
      send(200, result);
    } catch (err) {
      if (err instanceof StripeFailure) return send(err.status, { error: { type: err.type, message: err.message } });
      send(500, { error: { type: 'api_error', message: String(err) } });
    }
  }

  private route(method: string, path: string, p: Obj): Obj {
    const seg = path.split('/').filter(Boolean).slice(1);
    const expand = new Set<string>(Array.isArray(p.expand) ? p.expand : []);
    const route = `${method} /${seg.map((s) => (/^(cs_test|cus|acct|sub|in|pi|ch|price|mtr|tr)_[0-9a-f]+$/.test(s) ? ':id' : s)).join('/')}`;
    switch (route) {
      case 'POST /customers':
        return this.put({ id: id('cus'), object: 'customer', name: p.name ?? null, metadata: p.metadata ?? {} });
      case 'POST /accounts':
        required(p, 'type');
        return this.put({
          id: id('acct'),
          object: 'account',
          type: p.type,
          email: p.email ?? null,
          charges_enabled: false,
          payouts_enabled: false,
          details_submitted: false,
          metadata: p.metadata ?? {},
        });
      case 'GET /accounts/:id':
        return this.get(seg[1]!);
      case 'POST /account_links':
        required(p, 'account', 'type', 'return_url', 'refresh_url');
        this.get(p.account);
        return {
          object: 'account_link',
          url: `https://connect.stripe.test/setup/${p.account}/${randomBytes(6).toString('hex')}`,
          created: nowSeconds(),
          expires_at: nowSeconds() + 300,
        };
      case 'POST /checkout/sessions':
        return this.createCheckoutSession(p);
      case 'GET /checkout/sessions/:id': {
        const session = { ...this.get(seg[2]!) };
        if (expand.has('payment_intent') && session.payment_intent) session.payment_intent = this.get(session.payment_intent);
        return strip(session);
      }
      case 'POST /checkout/sessions/:id/expire': {
        const session = this.get(seg[2]!);
        if (session.status !== 'open') throw new StripeFailure(400, 'invalid_request_error', 'Only open sessions can be expired.');
        session.status = 'expired';
        return strip(session);
      }
      case 'POST /billing/meters':
        required(p, 'display_name', 'event_name', 'default_aggregation.formula');
        if (this.created('mtr').some((m) => m.event_name === p.event_name)) {
          throw new StripeFailure(400, 'invalid_request_error', `A meter with event_name ${p.event_name} already exists.`);
        }
        return this.put({ id: id('mtr'), object: 'billing.meter', status: 'active', ...p });
      case 'POST /billing/meter_events':
        return this.createMeterEvent(p);
      case 'POST /prices': {
        required(p, 'currency');
        if (p.recurring?.usage_type === 'metered' && !p.recurring?.meter) {
          throw new StripeFailure(400, 'invalid_request_error', 'Metered prices must be backed by a meter: recurring[meter].');
        }
        if (p.recurring?.meter) this.get(p.recurring.meter);
        if (p.unit_amount === undefined && p.billing_scheme !== 'tiered') required(p, 'unit_amount');
        return this.put({
          id: id('price'),
          object: 'price',
          currency: p.currency,
          unit_amount: p.unit_amount ?? null,
          recurring: p.recurring ?? null,
          billing_scheme: p.billing_scheme ?? 'per_unit',
          tiers: p.tiers ?? null,
        });
      }
      case 'POST /subscriptions': {
        required(p, 'customer', 'items.0.price');
        this.get(p.customer);
        for (const item of p.items) this.get(item.price);
        if (p.transfer_data) required(p, 'transfer_data.destination', 'application_fee_percent');
        return this.createSubscription(p);
      }
      case 'GET /subscriptions/:id':
        return this.get(seg[1]!);
      case 'POST /subscriptions/:id': {
        const sub = this.get(seg[1]!);
        if (p.cancel_at_period_end !== undefined) sub.cancel_at_period_end = p.cancel_at_period_end === 'true';
        return sub;
      }
      case 'DELETE /subscriptions/:id': {
        const sub = this.get(seg[1]!);
        if (sub.status === 'canceled') throw new StripeFailure(400, 'invalid_request_error', 'This subscription is already canceled.');
        return this.endSubscription(sub.id);
      }
      case 'GET /invoices/:id':
        return this.get(seg[1]!);
      case 'POST /transfers':
        required(p, 'amount', 'currency', 'destination');
        int(p.amount, 'amount');
        this.get(p.destination);
        if (p.source_transaction) this.get(p.source_transaction);
        return this.put({
          id: id('tr'),
          object: 'transfer',
          amount: Number(p.amount),
          currency: p.currency,
          destination: p.destination,
          source_transaction: p.source_transaction ?? null,
          transfer_group: p.transfer_group ?? null,
          metadata: p.metadata ?? {},
        });
      default:
        throw new StripeFailure(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
    }
  }

  /** Like Stripe: the event name must belong to a meter, the customer must exist, the value must be a number. */
  private createMeterEvent(p: Obj): Obj {
    required(p, 'event_name', 'payload.stripe_customer_id', 'payload.value', 'identifier');
    if (!this.created('mtr').some((m) => m.event_name === p.event_name)) {
      throw new StripeFailure(400, 'invalid_request_error', `No active meter found for event_name ${p.event_name}.`);
    }
    this.get(p.payload.stripe_customer_id);
    if (!/^\d+(\.\d+)?$/.test(p.payload.value))
      throw new StripeFailure(400, 'invalid_request_error', 'payload[value] must be a non-negative number.');
    if (String(p.identifier).length > 100)
      throw new StripeFailure(400, 'invalid_request_error', 'identifier is longer than 100 characters.');
    const timestamp = p.timestamp === undefined ? nowSeconds() : int(p.timestamp, 'timestamp');
    const seen = this.meterEvents.get(p.identifier);
    if (seen) {
      this.meterEventRepeats++;
    } else {
      this.meterEvents.set(p.identifier, {
        event_name: p.event_name,
        customer: p.payload.stripe_customer_id,
        value: p.payload.value,
        timestamp,
        identifier: p.identifier,
      });
    }
    const event = this.meterEvents.get(p.identifier)!;
    return {
      object: 'billing.meter_event',
      created: nowSeconds(),
      livemode: false,
      event_name: event.event_name,
      identifier: event.identifier,
      payload: { stripe_customer_id: event.customer, value: event.value },
      timestamp: event.timestamp,
    };
  }

  private createCheckoutSession(p: Obj): Obj {
    required(p, 'mode', 'line_items.0.quantity', 'success_url');
    const item = p.line_items[0];
    const priceData = item.price_data;
    if (!priceData) throw new StripeFailure(400, 'invalid_request_error', 'Missing required param: line_items[0][price_data].');
    required(priceData, 'currency', 'unit_amount', 'product_data.name');
    const amount = int(priceData.unit_amount, 'unit_amount') * int(item.quantity, 'quantity');
    let priceId: string | undefined;
    if (p.mode === 'payment') {
      required(p, 'payment_intent_data.application_fee_amount', 'payment_intent_data.transfer_data.destination');
      const fee = int(p.payment_intent_data.application_fee_amount, 'application_fee_amount');
      if (fee > amount) throw new StripeFailure(400, 'invalid_request_error', 'application_fee_amount exceeds the amount.');
      this.get(p.payment_intent_data.transfer_data.destination);
    } else if (p.mode === 'subscription') {
      required(
        p,
        'line_items.0.price_data.recurring.interval',
        'subscription_data.application_fee_percent',
        'subscription_data.transfer_data.destination',
      );
      this.get(p.subscription_data.transfer_data.destination);
      priceId = this.put({
        id: id('price'),
        object: 'price',
        currency: priceData.currency,
        unit_amount: amount,
        recurring: priceData.recurring,
      }).id;
    } else {
      throw new StripeFailure(400, 'invalid_request_error', `Invalid mode: ${p.mode}`);
    }
    const sessionId = id('cs_test');
    return strip(
      this.put({
        id: sessionId,
        object: 'checkout.session',
        mode: p.mode,
        status: 'open',
        payment_status: 'unpaid',
        url: `https://checkout.stripe.test/c/pay/${sessionId}`,
        amount_total: amount,
        currency: priceData.currency,
        customer: p.customer ?? null,
        client_reference_id: p.client_reference_id ?? null,
        metadata: p.metadata ?? {},
        success_url: p.success_url,
        payment_intent: null,
        subscription: null,
        _payment_intent_data: p.payment_intent_data,
        _subscription_data: p.subscription_data,
        _price_id: priceId,
      }),
    );
  }
}

/** Stripe's `trial_period_days`: absent, or a whole number of days from 1 to 730. */
function trialPeriodDays(raw: unknown): number | null {
  if (raw === undefined || raw === null) return null;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > 730) {
    throw new StripeFailure(400, 'invalid_request_error', `Invalid trial_period_days: ${String(raw)}`);
  }
  return days;
}

/** Drops the fake's private bookkeeping fields from an object it returns. */
function strip(o: Obj): Obj {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith('_')));
}
