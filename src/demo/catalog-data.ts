/**
 * The demo catalog: vendors and their datasets, as a newcomer would expect a real marketplace to look.
 * Plain constants, no randomness: seeding the same data twice must give the same catalog.
 */

export interface DemoTerms {
  spdxId: string | null;
  commercialUse: boolean;
  modelTraining: boolean;
  derivatives: boolean;
  syntheticGeneration: boolean;
  redistribution: boolean;
  attributionRequired: boolean;
}

export interface DemoColumn {
  name: string;
  type: string;
  description?: string;
}

export interface DemoFile {
  path: string;
  byteSize: number;
  rowCount: number;
}

/** A source cited by provenance: another demo dataset's version, by `vendor-slug/dataset-slug` and version number. */
export interface DemoSource {
  dataset: string;
  version: string;
  role: 'SEED' | 'REFERENCE' | 'GENERATOR_TRAINING_DATA' | 'FILTER_MODEL' | 'EVALUATION';
  rowsUsed: number;
}

export interface DemoCurationStep {
  kind: 'DEDUP' | 'PII_SCRUB' | 'TOXICITY_FILTER' | 'QUALITY_CLASSIFIER' | 'DECONTAMINATION' | 'HUMAN_REVIEW';
  rowsIn: number;
  rowsOut: number;
  /** HUMAN_REVIEW only. */
  reviewedFraction?: number;
  notes?: string;
}

/**
 * What a version declares about where its rows came from (the shape of the API's provenance input, with sources named
 * by slug instead of ID). REAL versions record how and on what basis records were collected; SYNTHETIC and HYBRID
 * versions the method, generator, sources, real share and curation.
 */
export interface DemoProvenance {
  method?:
    | 'LLM_GENERATION'
    | 'DISTILLATION'
    | 'SIMULATION'
    | 'RULE_BASED'
    | 'AUGMENTATION'
    | 'PRIVACY_PRESERVING_SYNTHESIS'
    | 'TRANSLATION'
    | 'FILTERING'
    | 'MIXTURE'
    | 'OTHER';
  generator?: { model: string; version?: string; provider?: string; parameters?: Record<string, unknown> };
  sources?: DemoSource[];
  realFraction?: number;
  curation?: DemoCurationStep[];
  collectionMethod?:
    | 'SURVEY'
    | 'CROWDSOURCING'
    | 'WEB_SCRAPING'
    | 'WEB_API'
    | 'DIRECT_MEASUREMENT'
    | 'EXPERIMENT'
    | 'INTERVIEWS'
    | 'DOCUMENT_ANALYSIS'
    | 'SOFTWARE_LOGS'
    | 'USER_GENERATED_CONTENT'
    | 'MANUAL_CURATION'
    | 'OTHER';
  collectionDescription?: string;
  consentBasis?:
    'EXPLICIT_CONSENT' | 'CONTRACT' | 'LEGITIMATE_INTEREST' | 'PUBLIC_DATA' | 'OPEN_LICENSE' | 'ANONYMIZED' | 'NOT_PERSONAL_DATA';
}

/** One opt-out signal as read; the seed hashes `read` (the bytes fetched) and stamps the time of the draft. */
export interface DemoOptOutEvidence {
  signal: 'ROBOTS_TXT' | 'TDMREP' | 'AI_PREFERENCES';
  url: string;
  read: string;
  value: string;
  reserved: boolean;
}

export interface DemoVersion {
  version: string;
  changelog: string;
  files: DemoFile[];
  /** Defaults to the dataset's format. */
  format?: string;
  /** An older schema; defaults to the dataset's (current) columns. */
  columns?: DemoColumn[];
  /** Preview rows in this version's schema; defaults to the dataset's sample. */
  sample?: Record<string, unknown>[];
  /** Fields that differ from the dataset's provenance for this version (typically the source versions cited). */
  provenance?: Partial<DemoProvenance>;
}

export interface DemoDataset {
  slug: string;
  title: string;
  summary: string;
  description: string;
  kind: 'REAL' | 'SYNTHETIC' | 'HYBRID';
  modality: 'TEXT' | 'IMAGE' | 'AUDIO' | 'VIDEO' | 'TABULAR' | 'CODE' | 'MULTIMODAL';
  tags: string[];
  terms: DemoTerms;
  format: string;
  /** The provenance of the newest version; older versions override what differs. */
  provenance: DemoProvenance;
  /** Web-scraped REAL datasets: the opt-out signals read while collecting, recorded with every version at publish. */
  optOutEvidence?: DemoOptOutEvidence[];
  /** The schema of the newest version. */
  columns: DemoColumn[];
  /** Preview rows of the newest version, keyed by column name. */
  sample: Record<string, unknown>[];
  /** Oldest first. */
  versions: DemoVersion[];
}

export interface DemoPerson {
  name: string;
  email: string;
}

export interface DemoVendor {
  slug: string;
  name: string;
  owner: DemoPerson;
  /** Further users with role MEMBER. */
  members?: DemoPerson[];
  datasets: DemoDataset[];
}

export interface DemoBuyer {
  slug: string;
  name: string;
  owner: DemoPerson;
  members?: DemoPerson[];
}

/** The platform admin the demo admin key belongs to. */
export const DEMO_ADMIN: DemoPerson = { name: 'Demo Admin', email: 'admin@demo.assay.local' };

/** The buyer organization the demo buyer key belongs to (its owner). */
export const DEMO_BUYER: DemoBuyer = {
  slug: 'helix-ai',
  name: 'Helix AI Lab',
  owner: { name: 'Bruno Castillo', email: 'bruno@helix.example' },
  members: [{ name: 'Mei Lin', email: 'mei.lin@helix.example' }],
};

// --- helpers -------------------------------------------------------------

const KB = 1_000;
const MB = 1_000_000;

const pad = (n: number) => String(n).padStart(5, '0');

/**
 * `count` shards named like `data/train-00000-of-00004.parquet` holding `rows` rows of about `bytesPerRow` bytes,
 * split almost evenly (a fixed, deterministic wobble of under 1% per shard; the last shard takes the remainder).
 * @example shards('data/train', 4, 'parquet', 1_000_000, 850)
 */
export function shards(stem: string, count: number, ext: string, rows: number, bytesPerRow: number): DemoFile[] {
  let left = rows;
  return Array.from({ length: count }, (_, i) => {
    const rowCount = i === count - 1 ? left : Math.floor((rows / count) * (1 + (((i * 37) % 19) - 9) / 1000));
    left -= rowCount;
    const density = 1 + (((i * 53) % 17) - 8) / 1000;
    return { path: `${stem}-${pad(i)}-of-${pad(count)}.${ext}`, byteSize: Math.round(rowCount * bytesPerRow * density), rowCount };
  });
}

/** One file of `rows` rows of about `bytesPerRow` bytes. */
function file(path: string, rows: number, bytesPerRow: number): DemoFile {
  return { path, byteSize: Math.round(rows * bytesPerRow), rowCount: rows };
}

/** Hive-style partitions (`data/issue_year=2019/part-00000-of-00002.parquet`), `rows` per partition value. */
function partitions(
  dir: string,
  key: string,
  parts: [string | number, number][],
  shardsEach: number,
  ext: string,
  bytesPerRow: number,
): DemoFile[] {
  return parts.flatMap(([value, rows]) => shards(`${dir}/${key}=${value}/part`, shardsEach, ext, rows, bytesPerRow));
}

// --- license terms ---------------------------------------------------------

const CC_BY_4: DemoTerms = {
  spdxId: 'CC-BY-4.0',
  commercialUse: true,
  modelTraining: true,
  derivatives: true,
  syntheticGeneration: true,
  redistribution: true,
  attributionRequired: true,
};
const CC_BY_SA_4: DemoTerms = { ...CC_BY_4, spdxId: 'CC-BY-SA-4.0' };
const CC_BY_NC_4: DemoTerms = { ...CC_BY_4, spdxId: 'CC-BY-NC-4.0', commercialUse: false };
const CC_BY_NC_ND_4: DemoTerms = {
  ...CC_BY_4,
  spdxId: 'CC-BY-NC-ND-4.0',
  commercialUse: false,
  derivatives: false,
  syntheticGeneration: false,
};
const CC0: DemoTerms = { ...CC_BY_4, spdxId: 'CC0-1.0', attributionRequired: false };
const ODC_BY: DemoTerms = { ...CC_BY_4, spdxId: 'ODC-By-1.0' };
const APACHE_2: DemoTerms = { ...CC_BY_4, spdxId: 'Apache-2.0' };
const RESEARCH_ONLY: DemoTerms = {
  spdxId: 'LicenseRef-Research-Only',
  commercialUse: false,
  modelTraining: true,
  derivatives: true,
  syntheticGeneration: false,
  redistribution: false,
  attributionRequired: true,
};

/** A vendor's own commercial license: training and commercial use, no redistribution; the rest as given. */
function commercial(grants: Partial<Omit<DemoTerms, 'spdxId'>> = {}): DemoTerms {
  return {
    spdxId: 'LicenseRef-Commercial',
    commercialUse: true,
    modelTraining: true,
    derivatives: true,
    syntheticGeneration: false,
    redistribution: false,
    attributionRequired: false,
    ...grants,
  };
}

// --- Northwind Data: enterprise and commerce data --------------------------

/** The schema of the support tickets' derivatives (paraphrased, second generation, augmented). */
const DERIVED_TICKET_COLUMNS: DemoColumn[] = [
  { name: 'ticket_id', type: 'string' },
  { name: 'subject', type: 'string' },
  { name: 'body', type: 'string' },
  { name: 'category', type: 'string' },
  { name: 'region', type: 'string' },
];

const NORTHWIND: DemoDataset[] = [
  {
    slug: 'support-tickets-en',
    title: 'Customer Support Tickets (English)',
    summary: '1.3M anonymised B2B SaaS support tickets with category, priority, agent reply and resolution labels.',
    description:
      "Support tickets filed between 2018 and mid-2024 with 37 B2B software companies that joined Northwind's data-sharing programme. " +
      "Every contributing company's customer terms permit anonymised secondary use of support correspondence, and contributors " +
      'confirmed in writing that the tickets fall under those terms. Tickets were exported from Zendesk and Freshdesk, deduplicated, ' +
      'and scrubbed of personal data with Microsoft Presidio plus custom rules for account numbers, IBANs and licence keys; a manual ' +
      'audit of a 2% sample found a residual PII rate below 0.05%. Names, organisations and IDs are replaced by typed placeholders ' +
      'such as [ORG_NAME]. Each row carries the customer message, the final agent reply, the category and priority set by the agent, ' +
      'and a resolution code. About 1.3 million tickets (4.2 GB of Parquet) in train, validation and test splits; the test split ' +
      'holds companies absent from train. Intended for intent classification, routing, reply suggestion and retrieval evaluation. ' +
      'Limitations: English only; billing and authentication issues are over-represented; agent labels are noisy (8% disagreement ' +
      'on a relabelled sample of 5,000 tickets).',
    kind: 'REAL',
    modality: 'TEXT',
    tags: ['customer-support', 'classification', 'english', 'enterprise'],
    terms: commercial({ syntheticGeneration: true }),
    format: 'parquet',
    provenance: {
      collectionMethod: 'USER_GENERATED_CONTENT',
      collectionDescription:
        'Help-desk exports (Zendesk, Freshdesk) from 37 B2B software companies whose customer terms allow anonymised secondary use.',
      consentBasis: 'CONTRACT',
      curation: [
        { kind: 'DEDUP', rowsIn: 1_341_000, rowsOut: 1_318_000 },
        {
          kind: 'PII_SCRUB',
          rowsIn: 1_318_000,
          rowsOut: 1_302_400,
          notes: 'Presidio plus account-number, IBAN and licence-key rules; rows with residual PII dropped.',
        },
        { kind: 'HUMAN_REVIEW', rowsIn: 1_302_400, rowsOut: 1_302_400, reviewedFraction: 0.02, notes: 'PII audit of a 2% random sample.' },
      ],
    },
    columns: [
      { name: 'ticket_id', type: 'string' },
      { name: 'created_at', type: 'timestamp[s]' },
      { name: 'subject', type: 'string' },
      { name: 'body', type: 'string', description: 'First customer message, PII replaced by typed placeholders.' },
      { name: 'agent_reply', type: 'string', description: 'The reply that closed the ticket.' },
      { name: 'category', type: 'string', description: 'One of 14 categories set by the handling agent.' },
      { name: 'priority', type: 'string' },
      { name: 'resolution', type: 'string' },
    ],
    sample: [
      {
        ticket_id: 'TCK-2024-0481203',
        created_at: '2024-03-11T09:42:17Z',
        subject: 'Invoice shows the wrong VAT number',
        body: 'Hi, our March invoice lists our old VAT ID. We updated it under Settings > Billing last month. Can you reissue it? [PERSON_NAME], [ORG_NAME] finance',
        agent_reply:
          'Thanks for flagging this. I have regenerated invoice [INVOICE_ID] with the VAT ID on file; it is under Billing > Invoices and future invoices will use it.',
        category: 'billing',
        priority: 'normal',
        resolution: 'solved_by_agent',
      },
      {
        ticket_id: 'TCK-2023-1177342',
        created_at: '2023-11-02T16:05:51Z',
        subject: 'SSO login loops back to the sign-in page',
        body: 'Since this morning all our users are redirected back to the login screen after authenticating with Okta. Nothing changed on our side.',
        agent_reply:
          'Engineering found an expired SAML signing certificate on your tenant and rotated it at 16:40 UTC. Please ask users to clear cookies and sign in again.',
        category: 'authentication',
        priority: 'urgent',
        resolution: 'solved_by_engineering',
      },
      {
        ticket_id: 'TCK-2022-0093318',
        created_at: '2022-06-20T13:18:02Z',
        subject: 'Export to CSV drops accented characters',
        body: 'When I export the contacts list, names like Müller come out as M?ller in Excel.',
        agent_reply:
          'Exports are UTF-8; Excel needs the UTF-8 import option (Data > From Text/CSV). I have also enabled the "UTF-8 with BOM" export for your workspace.',
        category: 'data-export',
        priority: 'low',
        resolution: 'solved_by_agent',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 640k tickets from 21 companies, 2018-2022.',
        columns: [
          { name: 'ticket_id', type: 'string' },
          { name: 'created_at', type: 'timestamp[s]' },
          { name: 'subject', type: 'string' },
          { name: 'body', type: 'string' },
          { name: 'label', type: 'string' },
          { name: 'priority', type: 'string' },
          { name: 'resolution', type: 'string' },
        ],
        sample: [
          {
            ticket_id: 'TCK-2022-0093318',
            created_at: '2022-06-20T13:18:02Z',
            subject: 'Export to CSV drops accented characters',
            body: 'When I export the contacts list, names like Müller come out as M?ller in Excel.',
            label: 'data-export',
            priority: 'low',
            resolution: 'solved_by_agent',
          },
          {
            ticket_id: 'TCK-2021-0411907',
            created_at: '2021-09-14T08:01:44Z',
            subject: 'Cannot add a seventh seat',
            body: 'We are on the Team plan and the Add user button is greyed out after six users.',
            label: 'billing',
            priority: 'normal',
            resolution: 'solved_by_agent',
          },
        ],
        files: [...shards('data/train', 2, 'parquet', 608_000, 2_750), ...shards('data/validation', 1, 'parquet', 32_000, 2_750)],
      },
      {
        version: '1.1.0',
        changelog:
          'Added 2023 tickets from 9 new contributors and a test split of companies not in train. Re-ran the PII scrub with the new ' +
          'account-number detector; 0.4% of rows were removed as residual PII.',
        columns: [
          { name: 'ticket_id', type: 'string' },
          { name: 'created_at', type: 'timestamp[s]' },
          { name: 'subject', type: 'string' },
          { name: 'body', type: 'string' },
          { name: 'label', type: 'string' },
          { name: 'priority', type: 'string' },
          { name: 'resolution', type: 'string' },
        ],
        sample: [
          {
            ticket_id: 'TCK-2023-1177342',
            created_at: '2023-11-02T16:05:51Z',
            subject: 'SSO login loops back to the sign-in page',
            body: 'Since this morning all our users are redirected back to the login screen after authenticating with Okta.',
            label: 'authentication',
            priority: 'urgent',
            resolution: 'solved_by_engineering',
          },
          {
            ticket_id: 'TCK-2022-0093318',
            created_at: '2022-06-20T13:18:02Z',
            subject: 'Export to CSV drops accented characters',
            body: 'When I export the contacts list, names like Müller come out as M?ller in Excel.',
            label: 'data-export',
            priority: 'low',
            resolution: 'solved_by_agent',
          },
        ],
        files: [
          ...shards('data/train', 3, 'parquet', 905_000, 2_800),
          ...shards('data/validation', 1, 'parquet', 47_000, 2_800),
          ...shards('data/test', 1, 'parquet', 47_500, 2_800),
        ],
      },
      {
        version: '2.0.0',
        changelog:
          'Breaking: renamed `label` to `category` and added the `agent_reply` column. Added tickets up to June 2024 from 7 more ' +
          'contributors (1.3M rows in total).',
        files: [
          ...shards('data/train', 4, 'parquet', 1_180_000, 3_250),
          ...shards('data/validation', 1, 'parquet', 62_000, 3_250),
          ...shards('data/test', 1, 'parquet', 60_400, 3_250),
        ],
      },
    ],
  },
  {
    slug: 'b2b-invoices-eu',
    title: 'B2B Invoice Line Items (EU, 2019-2024)',
    summary: '44M invoice line items from European SMEs with VAT treatment, amounts and payment delay.',
    description:
      "Invoice line items issued by 18,000 small and mid-sized European businesses that use accounting tools integrated with Northwind's " +
      'data platform. Each business opted in under a data processing agreement that allows aggregated and pseudonymised use for ' +
      'analytics and model training; counterparties appear only as salted hashes of their VAT IDs, and free-text line descriptions ' +
      'are removed. Amounts are converted to EUR at ECB daily reference rates and payment dates come from bank reconciliation. ' +
      'About 44 million lines (3.1 GB of Parquet, partitioned by issue year) from January 2019 to June 2024. Intended for cash-flow ' +
      'forecasting, late-payment prediction, anomaly and fraud detection and VAT classification. Limitations: Germany, the Netherlands ' +
      'and France make up 71% of lines; no B2C sales; `days_to_payment` is null for invoices still open or written off when exported.',
    kind: 'REAL',
    modality: 'TABULAR',
    tags: ['finance', 'invoices', 'forecasting', 'eu'],
    terms: commercial(),
    format: 'parquet',
    provenance: {
      collectionMethod: 'WEB_API',
      collectionDescription:
        'Pulled through accounting-software integrations of 18,000 businesses that opted in under a data processing agreement.',
      consentBasis: 'CONTRACT',
      curation: [
        {
          kind: 'PII_SCRUB',
          rowsIn: 43_700_000,
          rowsOut: 43_700_000,
          notes: 'Counterparty VAT IDs hashed, free-text line descriptions removed.',
        },
      ],
    },
    columns: [
      { name: 'invoice_id', type: 'string' },
      { name: 'line_no', type: 'int32' },
      { name: 'issue_date', type: 'date32' },
      { name: 'supplier_country', type: 'string', description: 'ISO 3166-1 alpha-2.' },
      { name: 'buyer_hash', type: 'string', description: 'Salted SHA-256 of the buyer VAT ID, truncated to 12 hex characters.' },
      { name: 'net_amount_eur', type: 'decimal(14,2)' },
      { name: 'vat_rate', type: 'float32', description: '0 for reverse-charge and intra-community supplies.' },
      { name: 'days_to_payment', type: 'int32', description: 'Null while unpaid.' },
    ],
    sample: [
      {
        invoice_id: 'INV-DE-2023-00418277',
        line_no: 1,
        issue_date: '2023-05-17',
        supplier_country: 'DE',
        buyer_hash: 'b3f9c2a71e04',
        net_amount_eur: '1840.00',
        vat_rate: 0.19,
        days_to_payment: 34,
      },
      {
        invoice_id: 'INV-NL-2024-00102553',
        line_no: 3,
        issue_date: '2024-02-01',
        supplier_country: 'NL',
        buyer_hash: '5d0e8a9c33f1',
        net_amount_eur: '12.75',
        vat_rate: 0,
        days_to_payment: null,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: invoices issued 2019-2022.',
        files: partitions(
          'data',
          'issue_year',
          [
            [2019, 6_900_000],
            [2020, 6_400_000],
            [2021, 7_600_000],
            [2022, 8_300_000],
          ],
          2,
          'parquet',
          72,
        ),
      },
      {
        version: '1.1.0',
        changelog: 'Added invoices issued in 2023 (9.3M lines) and 2,400 new businesses.',
        files: partitions(
          'data',
          'issue_year',
          [
            [2019, 6_900_000],
            [2020, 6_400_000],
            [2021, 7_600_000],
            [2022, 8_300_000],
            [2023, 9_300_000],
          ],
          2,
          'parquet',
          72,
        ),
      },
      {
        version: '1.2.0',
        changelog:
          'Added January-June 2024. Fixed `vat_rate` on reverse-charge lines, which 1.1.0 reported at the supplier country rate ' +
          '(about 1.1M lines affected).',
        files: partitions(
          'data',
          'issue_year',
          [
            [2019, 6_900_000],
            [2020, 6_400_000],
            [2021, 7_600_000],
            [2022, 8_300_000],
            [2023, 9_300_000],
            [2024, 5_200_000],
          ],
          2,
          'parquet',
          72,
        ),
      },
    ],
  },
  {
    slug: 'pos-baskets-uk',
    title: 'Convenience Store Point-of-Sale Baskets (UK)',
    summary: '210M basket line items from 1,400 UK convenience stores with time, category and promotion flags.',
    description:
      'Point-of-sale exports from a UK convenience-store franchise group, shared with Northwind under a data partnership agreement. ' +
      'The data contains no customer identifiers: loyalty card numbers and payment references were dropped at source, and store ' +
      'locations are coarsened to the postcode district. Each row is one line of a basket with a timestamp, product, quantity, unit ' +
      'price and whether a promotion applied; products carry GS1 GPC brick categories. About 210 million lines (4.6 GB of Parquet) ' +
      'from January 2021 to December 2023, partitioned by year. Intended for demand forecasting, basket analysis and promotion ' +
      'uplift modelling. Limitations: tobacco and lottery prices are blanked for regulatory reasons; 2021 includes lockdown ' +
      'effects; the franchise is concentrated in the North West and Midlands. Non-commercial licence; contact the vendor for a ' +
      'commercial offer.',
    kind: 'REAL',
    modality: 'TABULAR',
    tags: ['retail', 'transactions', 'forecasting', 'uk'],
    terms: CC_BY_NC_4,
    format: 'parquet',
    provenance: {
      collectionMethod: 'SOFTWARE_LOGS',
      collectionDescription: 'Point-of-sale exports of a UK convenience-store franchise group under a data partnership agreement.',
      consentBasis: 'ANONYMIZED',
      curation: [
        {
          kind: 'PII_SCRUB',
          rowsIn: 207_700_000,
          rowsOut: 207_700_000,
          notes: 'Loyalty and payment references dropped at source; store locations coarsened.',
        },
      ],
    },
    columns: [
      { name: 'basket_id', type: 'string' },
      { name: 'ts', type: 'timestamp[s]' },
      { name: 'store_district', type: 'string', description: 'Outward postcode district, e.g. M14.' },
      { name: 'sku', type: 'string' },
      { name: 'category', type: 'string', description: 'GS1 GPC brick title.' },
      { name: 'quantity', type: 'int16' },
      { name: 'unit_price_gbp', type: 'decimal(8,2)' },
      { name: 'on_promotion', type: 'bool' },
    ],
    sample: [
      {
        basket_id: 'B-0719-20230414-00231',
        ts: '2023-04-14T07:42:10Z',
        store_district: 'M14',
        sku: '5000112637922',
        category: 'Carbonated Soft Drinks',
        quantity: 2,
        unit_price_gbp: '1.85',
        on_promotion: true,
      },
      {
        basket_id: 'B-0719-20230414-00231',
        ts: '2023-04-14T07:42:10Z',
        store_district: 'M14',
        sku: '5010044000701',
        category: 'Bread',
        quantity: 1,
        unit_price_gbp: '1.40',
        on_promotion: false,
      },
      {
        basket_id: 'B-1102-20221224-01877',
        ts: '2022-12-24T18:03:55Z',
        store_district: 'B23',
        sku: '5000299225028',
        category: 'Milk',
        quantity: 1,
        unit_price_gbp: '1.65',
        on_promotion: false,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: "First release: 2021 and 2022 (128M lines). Categories are the franchise's own 60-category hierarchy.",
        files: partitions(
          'data',
          'year',
          [
            [2021, 61_000_000],
            [2022, 67_000_000],
          ],
          8,
          'parquet',
          22,
        ),
      },
      {
        version: '2.0.0',
        changelog:
          'Breaking: `category` now holds GS1 GPC brick titles instead of franchise categories. Added 2023 (82M lines); removed 41 ' +
          'stores that left the franchise from all years.',
        files: partitions(
          'data',
          'year',
          [
            [2021, 59_500_000],
            [2022, 65_800_000],
            [2023, 82_400_000],
          ],
          8,
          'parquet',
          22,
        ),
      },
    ],
  },
  {
    slug: 'product-listings-multimodal',
    title: 'E-commerce Product Listings with Images and Attributes',
    summary: '3.4M product listings pairing a studio photo with title, description, category path and structured attributes.',
    description:
      "Listings contributed by 120 mid-market online retailers under Northwind's data-sharing agreement. Photos are the retailers' own " +
      'studio shots, and each retailer warranted that it holds the rights to license them for AI training; listings with model ' +
      'photography were excluded. Titles and descriptions are in English, German and French; categories are mapped to the Google ' +
      'Product Taxonomy (2024-09) and attributes such as colour, material and size are normalised to 1,900 keys. About 3.4 million ' +
      'listings in WebDataset shards (JPEG resized to 512 px on the short side plus a JSON sidecar), 205 GB. Intended for product ' +
      'categorisation, attribute extraction, image-text retrieval and catalogue quality checks. Limitations: white-background ' +
      'studio photos only; fashion and home goods make up 58% of listings; 3% of attribute values were normalised heuristically ' +
      'and may be wrong. Retailers must be credited as a group ("Northwind retail contributors").',
    kind: 'REAL',
    modality: 'MULTIMODAL',
    tags: ['e-commerce', 'image-text', 'product-catalog', 'retrieval'],
    terms: commercial({ attributionRequired: true }),
    format: 'webdataset',
    provenance: {
      collectionMethod: 'WEB_API',
      collectionDescription: 'Product feeds of 120 online retailers who warranted their rights to the photos and text.',
      consentBasis: 'CONTRACT',
      curation: [{ kind: 'DEDUP', rowsIn: 3_462_000, rowsOut: 3_380_000, notes: 'Perceptual-hash duplicates across retailers.' }],
    },
    columns: [
      { name: 'listing_id', type: 'string' },
      { name: 'image', type: 'image', description: 'JPEG, 512 px short side.' },
      { name: 'title', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'category_path', type: 'string' },
      { name: 'attributes', type: 'map<string,string>' },
      { name: 'language', type: 'string' },
    ],
    sample: [
      {
        listing_id: 'nw-prd-0193377',
        image: 'nw-prd-0193377.jpg',
        title: 'Merino Wool Crew Neck Jumper, Navy',
        description: 'Lightweight jumper in 100% extra-fine merino with ribbed cuffs and hem. Machine washable at 30 °C.',
        category_path: 'Apparel & Accessories > Clothing > Shirts & Tops > Sweaters',
        attributes: { colour: 'navy', material: 'merino wool', size_range: 'XS-XXL' },
        language: 'en',
      },
      {
        listing_id: 'nw-prd-2210854',
        image: 'nw-prd-2210854.jpg',
        title: 'Gusseisen-Bräter, oval, 29 cm',
        description: 'Emaillierter Bräter aus Gusseisen, für alle Herdarten inklusive Induktion geeignet.',
        category_path: 'Home & Garden > Kitchen & Dining > Cookware & Bakeware > Cookware > Casserole Dishes',
        attributes: { colour: 'rot', material: 'Gusseisen', capacity_l: '4.7' },
        language: 'de',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 1.9M English listings, full-resolution images.',
        files: [...shards('shards/train', 48, 'tar', 1_860_000, 75 * KB), ...shards('shards/validation', 1, 'tar', 40_000, 75 * KB)],
      },
      {
        version: '1.1.0',
        changelog: 'Added German and French listings from 46 retailers (3.4M listings in total).',
        files: [...shards('shards/train', 64, 'tar', 3_330_000, 74 * KB), ...shards('shards/validation', 2, 'tar', 70_000, 74 * KB)],
      },
      {
        version: '2.0.0',
        changelog:
          'Breaking: images re-encoded at 512 px on the short side (was full resolution) and categories remapped to the 2024-09 ' +
          'Google Product Taxonomy. Removed 21k listings whose retailer withdrew.',
        files: [...shards('shards/train', 64, 'tar', 3_312_000, 60 * KB), ...shards('shards/validation', 2, 'tar', 68_000, 60 * KB)],
      },
    ],
  },
  {
    slug: 'text-to-sql-warehouse',
    title: 'Text-to-SQL Pairs from Warehouse Analytics',
    summary: '86k real analyst SQL queries over 40 warehouse schemas, paired with LLM-written, human-reviewed questions.',
    description:
      'The SQL side is real: analytical queries from the query logs of 14 Northwind customers who opted in to sharing them. ' +
      'Literals and identifiers that could reveal customer data were replaced with schema-consistent placeholders, and every query ' +
      'was re-executed against a synthetic instance of its schema to confirm it still runs. The question side is synthetic: ' +
      'Llama 3.1 70B Instruct wrote a natural-language question for each query from the query and its DDL, and contract data ' +
      'analysts reviewed 100% of the pairs, rewriting 23% of the questions and discarding 6% of pairs. About 86,000 pairs ' +
      '(Snowflake and BigQuery dialects, 40 schemas) in JSON Lines, split by schema so no schema appears in more than one split. ' +
      'Intended for text-to-SQL fine-tuning and evaluation. Limitations: questions read more formally than real business users ' +
      'write; joins of more than five tables are rare; no DDL or write statements.',
    kind: 'HYBRID',
    modality: 'CODE',
    tags: ['text-to-sql', 'sql', 'analytics', 'code'],
    terms: commercial({ syntheticGeneration: true, attributionRequired: true }),
    format: 'jsonl',
    provenance: {
      method: 'LLM_GENERATION',
      generator: {
        model: 'Llama 3.1 70B Instruct',
        version: '3.1',
        provider: 'Meta (open weights, self-hosted)',
        parameters: { temperature: 0.4 },
      },
      realFraction: 0.23,
      curation: [
        { kind: 'DEDUP', rowsIn: 92_700, rowsOut: 91_700 },
        {
          kind: 'HUMAN_REVIEW',
          rowsIn: 91_700,
          rowsOut: 86_200,
          reviewedFraction: 1,
          notes: 'Every pair reviewed by a data analyst; 23% of questions rewritten, 6% of pairs discarded.',
        },
      ],
    },
    columns: [
      { name: 'pair_id', type: 'string' },
      { name: 'dialect', type: 'string' },
      { name: 'schema_ddl', type: 'string' },
      { name: 'question', type: 'string' },
      { name: 'sql', type: 'string' },
      { name: 'question_source', type: 'string', description: 'llm (accepted as written) or llm+human (rewritten by a reviewer).' },
      { name: 'tables_used', type: 'list<string>' },
    ],
    sample: [
      {
        pair_id: 'sf-0031-00417',
        dialect: 'snowflake',
        schema_ddl: 'CREATE TABLE orders (order_id NUMBER, customer_id NUMBER, ordered_at TIMESTAMP_NTZ, total_usd NUMBER(12,2)); ...',
        question: 'What was the average order value per month in 2023?',
        sql: "SELECT DATE_TRUNC('month', ordered_at) AS month, AVG(total_usd) FROM orders WHERE YEAR(ordered_at) = 2023 GROUP BY 1 ORDER BY 1",
        question_source: 'llm',
        tables_used: ['orders'],
      },
      {
        pair_id: 'bq-0007-01288',
        dialect: 'bigquery',
        schema_ddl: 'CREATE TABLE subscriptions (account_id INT64, plan STRING, started_at DATE, cancelled_at DATE); ...',
        question: 'Which plans lost the most accounts in the first 90 days?',
        sql: 'SELECT plan, COUNT(*) AS churned FROM subscriptions WHERE DATE_DIFF(cancelled_at, started_at, DAY) <= 90 GROUP BY plan ORDER BY churned DESC',
        question_source: 'llm+human',
        tables_used: ['subscriptions'],
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 52k Snowflake pairs over 24 schemas.',
        columns: [
          { name: 'pair_id', type: 'string' },
          { name: 'dialect', type: 'string' },
          { name: 'schema_ddl', type: 'string' },
          { name: 'question', type: 'string' },
          { name: 'sql', type: 'string' },
          { name: 'question_source', type: 'string' },
        ],
        sample: [
          {
            pair_id: 'sf-0031-00417',
            dialect: 'snowflake',
            schema_ddl: 'CREATE TABLE orders (order_id NUMBER, customer_id NUMBER, ordered_at TIMESTAMP_NTZ, total_usd NUMBER(12,2)); ...',
            question: 'What was the average order value per month in 2023?',
            sql: "SELECT DATE_TRUNC('month', ordered_at) AS month, AVG(total_usd) FROM orders WHERE YEAR(ordered_at) = 2023 GROUP BY 1 ORDER BY 1",
            question_source: 'llm',
          },
          {
            pair_id: 'sf-0012-00090',
            dialect: 'snowflake',
            schema_ddl: 'CREATE TABLE tickets (ticket_id NUMBER, team VARCHAR, opened_at TIMESTAMP_NTZ, closed_at TIMESTAMP_NTZ); ...',
            question: 'What is the median time to close a ticket for each team?',
            sql: 'SELECT team, MEDIAN(DATEDIFF(hour, opened_at, closed_at)) FROM tickets WHERE closed_at IS NOT NULL GROUP BY team',
            question_source: 'llm+human',
          },
        ],
        files: [file('data/train.jsonl', 46_000, 2_900), file('data/dev.jsonl', 3_000, 2_900), file('data/test.jsonl', 3_100, 2_900)],
      },
      {
        version: '1.1.0',
        changelog: 'Added 34k BigQuery pairs over 16 new schemas and the `tables_used` column.',
        files: [file('data/train.jsonl', 76_200, 2_950), file('data/dev.jsonl', 4_900, 2_950), file('data/test.jsonl', 5_100, 2_950)],
      },
    ],
  },
  {
    slug: 'support-dialogues-synthetic',
    title: 'Synthetic Multi-turn Support Dialogues',
    summary: '400k customer-agent dialogues generated from real ticket seeds, filtered, deduplicated and partly human-reviewed.',
    description:
      "Generated by Mixtral 8x22B Instruct using 60,000 tickets from Northwind's Customer Support Tickets (English) 2.0.0 as seeds: " +
      'each seed yields up to eight multi-turn dialogues that vary customer persona, tone, channel and outcome. Dialogues were ' +
      'scored by a quality classifier trained on agent-rated transcripts (kept above 0.7), filtered for toxicity, deduplicated with ' +
      'MinHash at Jaccard 0.8, and checked against the seed set so that no dialogue repeats more than 20 consecutive tokens of a ' +
      'real ticket. Human reviewers read a 5% random sample and rejected 3.1%. About 400,000 dialogues (1.1 GB of Parquet). ' +
      'Intended for training and evaluating support assistants and reply suggestion, ideally mixed with real tickets. ' +
      'Limitations: one synthetic generation deep; inherits the topic skew of its seeds; agents are unrealistically polite and ' +
      'resolve 82% of dialogues versus 61% in the real data. Generating further synthetic data from it is not permitted.',
    kind: 'SYNTHETIC',
    modality: 'TEXT',
    tags: ['synthetic', 'dialogue', 'customer-support', 'llm-generated'],
    terms: commercial(),
    format: 'parquet',
    provenance: {
      method: 'LLM_GENERATION',
      generator: {
        model: 'Mixtral 8x22B Instruct',
        version: 'v0.1',
        provider: 'Mistral AI (open weights, self-hosted)',
        parameters: { temperature: 0.9, dialogues_per_seed: 8 },
      },
      sources: [{ dataset: 'northwind-data/support-tickets-en', version: '2.0.0', role: 'SEED', rowsUsed: 60_000 }],
      realFraction: 0,
      curation: [
        {
          kind: 'QUALITY_CLASSIFIER',
          rowsIn: 468_000,
          rowsOut: 431_000,
          notes: 'Classifier trained on agent-rated transcripts, threshold 0.7.',
        },
        { kind: 'TOXICITY_FILTER', rowsIn: 431_000, rowsOut: 420_000 },
        { kind: 'DEDUP', rowsIn: 420_000, rowsOut: 405_000, notes: 'MinHash, Jaccard 0.8.' },
        { kind: 'DECONTAMINATION', rowsIn: 405_000, rowsOut: 400_000, notes: 'No run of more than 20 tokens copied from a seed ticket.' },
        { kind: 'HUMAN_REVIEW', rowsIn: 400_000, rowsOut: 400_000, reviewedFraction: 0.05 },
      ],
    },
    columns: [
      { name: 'dialogue_id', type: 'string' },
      { name: 'seed_ticket_id', type: 'string', description: 'The real ticket this dialogue was generated from.' },
      { name: 'persona', type: 'string' },
      { name: 'turns', type: 'list<struct<role:string,text:string>>' },
      { name: 'outcome', type: 'string' },
      { name: 'quality_score', type: 'float32' },
    ],
    sample: [
      {
        dialogue_id: 'syn-dlg-0004412',
        seed_ticket_id: 'TCK-2024-0481203',
        persona: 'impatient finance manager',
        turns: [
          { role: 'customer', text: 'Our invoice still has the old VAT number. This is the second time I am asking.' },
          { role: 'agent', text: 'I am sorry about that. I can see the new VAT ID on your account; I will reissue the invoice now.' },
          { role: 'customer', text: 'Fine. Will next month be correct?' },
          { role: 'agent', text: 'Yes, all future invoices will use the VAT ID on file. The corrected invoice is in Billing > Invoices.' },
        ],
        outcome: 'resolved',
        quality_score: 0.91,
      },
      {
        dialogue_id: 'syn-dlg-0187650',
        seed_ticket_id: 'TCK-2023-1177342',
        persona: 'IT administrator, technical',
        turns: [
          { role: 'customer', text: 'Okta SSO redirects users back to the sign-in page. SAML trace attached.' },
          { role: 'agent', text: 'Thanks, the trace shows a signature validation failure. I have escalated to engineering.' },
        ],
        outcome: 'escalated',
        quality_score: 0.78,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 250k dialogues seeded from Customer Support Tickets (English) 1.1.0.',
        provenance: { sources: [{ dataset: 'northwind-data/support-tickets-en', version: '1.1.0', role: 'SEED', rowsUsed: 40_000 }] },
        columns: [
          { name: 'dialogue_id', type: 'string' },
          { name: 'seed_ticket_id', type: 'string' },
          { name: 'persona', type: 'string' },
          { name: 'turns', type: 'list<struct<role:string,text:string>>' },
          { name: 'outcome', type: 'string' },
        ],
        sample: [
          {
            dialogue_id: 'syn-dlg-0000107',
            seed_ticket_id: 'TCK-2021-0411907',
            persona: 'small business owner',
            turns: [
              { role: 'customer', text: 'I cannot add a seventh user to our team.' },
              { role: 'agent', text: 'The Team plan includes six seats. I can upgrade you to Business, or add seats at 9 euros each.' },
            ],
            outcome: 'resolved',
          },
          {
            dialogue_id: 'syn-dlg-0000215',
            seed_ticket_id: 'TCK-2022-0093318',
            persona: 'sales operations analyst',
            turns: [
              { role: 'customer', text: 'Exported names lose their umlauts in Excel.' },
              { role: 'agent', text: 'Please import the file with the UTF-8 option under Data > From Text/CSV.' },
            ],
            outcome: 'resolved',
          },
        ],
        files: shards('data/train', 2, 'parquet', 250_000, 2_700),
      },
      {
        version: '1.1.0',
        changelog:
          'Regenerated from Customer Support Tickets (English) 2.0.0 seeds (400k dialogues); added `quality_score`; removed 11k ' +
          'dialogues flagged by the new toxicity filter; added a validation split.',
        files: [...shards('data/train', 3, 'parquet', 380_000, 2_750), ...shards('data/validation', 1, 'parquet', 20_000, 2_750)],
      },
    ],
  },
  {
    slug: 'sec-financial-statements',
    title: 'SEC 10-K Financial Statement Facts (XBRL)',
    summary: 'Normalised XBRL facts from every 10-K filed with the SEC since 2009, one row per company, period and concept.',
    description:
      "Built from the SEC's Financial Statement Data Sets, which are works of the US government and in the public domain. " +
      'Northwind parsed every 10-K filed from fiscal 2009 to fiscal 2024, mapped standard and extension XBRL tags to a 400-concept ' +
      'taxonomy (93% of extension tags mapped), resolved restatements to the latest filed value, and joined company names and SIC ' +
      'codes. About 71 million facts (2.9 GB of Parquet). Intended for financial question answering, table reasoning, forecasting ' +
      'and backtesting. Limitations: only XBRL-tagged values (no footnote text); small filers before 2011 are sparse because ' +
      'detailed tagging was phased in; values are as reported, not adjusted for stock splits. Released under CC0: no attribution ' +
      'required, though a citation is appreciated.',
    kind: 'REAL',
    modality: 'TABULAR',
    tags: ['finance', 'sec', 'xbrl', 'public-domain'],
    terms: CC0,
    format: 'parquet',
    provenance: {
      collectionMethod: 'DOCUMENT_ANALYSIS',
      collectionDescription: "Parsed from the SEC's Financial Statement Data Sets (XBRL exhibits of 10-K filings).",
      consentBasis: 'PUBLIC_DATA',
      curation: [{ kind: 'DEDUP', rowsIn: 71_050_000, rowsOut: 71_012_000, notes: 'Restated facts resolved to the latest filed value.' }],
    },
    columns: [
      { name: 'cik', type: 'string', description: 'SEC Central Index Key.' },
      { name: 'company', type: 'string' },
      { name: 'fiscal_year', type: 'int16' },
      { name: 'fiscal_period', type: 'string' },
      { name: 'concept', type: 'string' },
      { name: 'value', type: 'decimal(20,2)' },
      { name: 'unit', type: 'string' },
      { name: 'filed_date', type: 'date32' },
    ],
    sample: [
      {
        cik: '0000320193',
        company: 'Apple Inc.',
        fiscal_year: 2023,
        fiscal_period: 'FY',
        concept: 'Revenue',
        value: '383285000000.00',
        unit: 'USD',
        filed_date: '2023-11-03',
      },
      {
        cik: '0000789019',
        company: 'Microsoft Corporation',
        fiscal_year: 2024,
        fiscal_period: 'FY',
        concept: 'NetIncomeLoss',
        value: '88136000000.00',
        unit: 'USD',
        filed_date: '2024-07-30',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: fiscal years 2009-2022.',
        files: shards('data/facts', 6, 'parquet', 61_200_000, 41),
      },
      {
        version: '1.1.0',
        changelog: 'Added fiscal 2023 filings.',
        files: shards('data/facts', 7, 'parquet', 66_100_000, 41),
      },
      {
        version: '1.2.0',
        changelog: 'Added fiscal 2024 filings received up to 31 December 2024.',
        files: shards('data/facts', 7, 'parquet', 71_050_000, 41),
      },
      {
        version: '1.3.0',
        changelog:
          'Fixed restatement resolution: 1.2.0 kept the original value when an amendment (10-K/A) was filed on the same day. ' +
          '212k facts corrected, 38k duplicate facts removed.',
        files: shards('data/facts', 7, 'parquet', 71_012_000, 41),
      },
    ],
  },
  // Three derivatives of the support tickets, so the training-mix demo has both regimes to compare: a paraphrased
  // generation, a second generation made from it (real data replaced twice), and a hybrid that keeps half real rows.
  {
    slug: 'support-tickets-paraphrased',
    title: 'Paraphrased Support Tickets',
    summary: 'Support tickets rewritten by an LLM from real ticket seeds: same intents, new wording, no real rows kept.',
    description:
      "Generated by Llama 3.1 70B Instruct from 120,000 tickets of Northwind's Customer Support Tickets (English) 2.0.0: each " +
      'seed ticket is paraphrased three times with a different customer voice while keeping its category. Paraphrases were ' +
      'deduplicated with MinHash at Jaccard 0.8 and checked so that none repeats more than 15 consecutive tokens of its seed. ' +
      'About 300,000 tickets. Intended for augmenting intent classifiers, ideally mixed with the real tickets. Limitations: one ' +
      'synthetic generation, no real rows; the generator under-produced tickets from Latin American customers, whose share fell ' +
      'to zero in the coverage audit (see the region coverage report).',
    kind: 'SYNTHETIC',
    modality: 'TEXT',
    tags: ['synthetic', 'customer-support', 'llm-generated', 'paraphrase'],
    terms: commercial({ syntheticGeneration: true }),
    format: 'parquet',
    provenance: {
      method: 'LLM_GENERATION',
      generator: { model: 'Llama 3.1 70B Instruct', provider: 'Meta (open weights, self-hosted)', parameters: { temperature: 0.8 } },
      sources: [{ dataset: 'northwind-data/support-tickets-en', version: '2.0.0', role: 'SEED', rowsUsed: 120_000 }],
      realFraction: 0,
      curation: [{ kind: 'DEDUP', rowsIn: 360_000, rowsOut: 300_000, notes: 'MinHash, Jaccard 0.8.' }],
    },
    columns: DERIVED_TICKET_COLUMNS,
    sample: [
      {
        ticket_id: 'para-000114',
        subject: 'Seat limit reached',
        body: 'Our team plan will not let me invite a seventh colleague.',
        category: 'billing',
        region: 'eu',
      },
      {
        ticket_id: 'para-000981',
        subject: 'Login keeps looping',
        body: 'After Okta sign-in we land on the login page again.',
        category: 'authentication',
        region: 'na',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 200k paraphrases of Customer Support Tickets (English) 2.0.0.',
        files: shards('data/train', 2, 'parquet', 200_000, 2_400),
      },
      {
        version: '1.1.0',
        changelog: 'Three paraphrases per seed instead of two (300k tickets); added the region column.',
        files: shards('data/train', 3, 'parquet', 300_000, 2_400),
      },
    ],
  },
  {
    slug: 'support-tickets-paraphrased-gen2',
    title: 'Paraphrased Support Tickets, Second Generation',
    summary: 'Paraphrases of the paraphrases: a second synthetic generation with no real ticket in it.',
    description:
      "Generated by Llama 3.1 8B Instruct from 100,000 tickets of Northwind's Paraphrased Support Tickets, itself generated from " +
      'real tickets, to test how far paraphrasing can stretch a seed set. Deduplicated with MinHash at Jaccard 0.8. About ' +
      '250,000 tickets. It is here on purpose as a cautionary example: two generations deep with no real rows, it is what the ' +
      'model-collapse literature warns about when synthetic data replaces real data, and Assay scores it HIGH. Intended for ' +
      'research on synthetic data drift, not for training production models on its own.',
    kind: 'SYNTHETIC',
    modality: 'TEXT',
    tags: ['synthetic', 'customer-support', 'llm-generated', 'second-generation'],
    terms: commercial({ syntheticGeneration: true }),
    format: 'parquet',
    provenance: {
      method: 'LLM_GENERATION',
      generator: { model: 'Llama 3.1 8B Instruct', provider: 'Meta (open weights, self-hosted)' },
      sources: [{ dataset: 'northwind-data/support-tickets-paraphrased', version: '1.1.0', role: 'SEED', rowsUsed: 100_000 }],
      realFraction: 0,
      curation: [{ kind: 'DEDUP', rowsIn: 300_000, rowsOut: 250_000, notes: 'MinHash, Jaccard 0.8.' }],
    },
    columns: DERIVED_TICKET_COLUMNS,
    sample: [
      {
        ticket_id: 'gen2-000042',
        subject: 'Cannot invite user',
        body: 'The invite button is grey once we have six people.',
        category: 'billing',
        region: 'eu',
      },
      {
        ticket_id: 'gen2-000377',
        subject: 'Sign-in loop',
        body: 'Single sign-on sends everybody back to the start.',
        category: 'authentication',
        region: 'na',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 150k second-generation paraphrases of Paraphrased Support Tickets 1.0.0.',
        provenance: {
          sources: [{ dataset: 'northwind-data/support-tickets-paraphrased', version: '1.0.0', role: 'SEED', rowsUsed: 60_000 }],
        },
        files: shards('data/train', 2, 'parquet', 150_000, 2_300),
      },
      {
        version: '1.1.0',
        changelog: 'Regenerated from Paraphrased Support Tickets 1.1.0 (250k tickets).',
        files: shards('data/train', 3, 'parquet', 250_000, 2_300),
      },
    ],
  },
  {
    slug: 'support-tickets-augmented',
    title: 'Support Tickets with Augmented Hard Cases',
    summary: 'Real support tickets kept as they are, plus as many LLM-written hard cases (ambiguous, multi-issue, angry).',
    description:
      "Half of the rows are real tickets from Northwind's Customer Support Tickets (English) 2.0.0, carried over unchanged; the " +
      'other half are hard cases written by GPT-4o from those tickets: ambiguous requests, several issues in one ticket, and ' +
      'escalations in an angry tone. Deduplicated with MinHash, and support leads reviewed 10% of the generated rows. About ' +
      '400,000 tickets. Intended for training routing models that must cope with messy tickets while staying anchored in real ' +
      'data. Limitations: the hard cases over-represent billing disputes; regional coverage follows the real seeds.',
    kind: 'HYBRID',
    modality: 'TEXT',
    tags: ['customer-support', 'augmentation', 'classification', 'hybrid'],
    terms: commercial({ syntheticGeneration: true }),
    format: 'parquet',
    provenance: {
      method: 'AUGMENTATION',
      generator: { model: 'gpt-4o', version: '2024-08-06', provider: 'OpenAI' },
      sources: [{ dataset: 'northwind-data/support-tickets-en', version: '2.0.0', role: 'SEED', rowsUsed: 200_000 }],
      realFraction: 0.5,
      curation: [
        { kind: 'DEDUP', rowsIn: 420_000, rowsOut: 400_000 },
        { kind: 'HUMAN_REVIEW', rowsIn: 400_000, rowsOut: 400_000, reviewedFraction: 0.1 },
      ],
    },
    columns: DERIVED_TICKET_COLUMNS,
    sample: [
      {
        ticket_id: 'TCK-2024-0481203',
        subject: 'Invoice shows old VAT number',
        body: 'Our invoice still has the old VAT number.',
        category: 'billing',
        region: 'eu',
      },
      {
        ticket_id: 'aug-000219',
        subject: 'Three problems at once',
        body: 'SSO loops, the export drops umlauts, and we were charged twice.',
        category: 'multi-issue',
        region: 'na',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 240k tickets, half real (from Customer Support Tickets 1.1.0), half hard cases.',
        provenance: { sources: [{ dataset: 'northwind-data/support-tickets-en', version: '1.1.0', role: 'SEED', rowsUsed: 120_000 }] },
        files: shards('data/train', 2, 'parquet', 240_000, 2_600),
      },
      {
        version: '1.1.0',
        changelog: 'Rebuilt on Customer Support Tickets 2.0.0 (400k tickets); support leads reviewed 10% of the hard cases.',
        files: shards('data/train', 4, 'parquet', 400_000, 2_600),
      },
    ],
  },
];

// --- Lumen Vision Labs: images and video -----------------------------------

const LUMEN: DemoDataset[] = [
  {
    slug: 'urban-street-scenes',
    title: 'Urban Street Scenes, 14 European Cities',
    summary: '92k dashcam frames with panoptic segmentation over 33 classes; faces and licence plates blurred.',
    description:
      "Captured from 2021 to 2024 by Lumen's own survey vehicles driving planned routes through 14 European cities at different " +
      'times of day and seasons. Collection ran under GDPR legitimate interest with a documented data protection impact assessment; ' +
      'faces and licence plates were blurred by a detector and every frame was checked by a reviewer before annotation. Panoptic ' +
      'labels were drawn by trained annotators with a second-pass review, using a Cityscapes-compatible class list extended with ' +
      'e-scooters, cargo bikes and tram tracks. About 92,000 frames at 2048x1024 (PNG) with masks and per-object boxes, 414 GB of ' +
      'WebDataset shards. Intended for semantic and panoptic segmentation and detection research for driver assistance and ' +
      'mapping. Limitations: daylight makes up 78% of frames and snow only 2%; blurred regions can confuse pedestrian detectors. ' +
      'Non-commercial licence; commercial licences are sold separately.',
    kind: 'REAL',
    modality: 'IMAGE',
    tags: ['autonomous-driving', 'segmentation', 'street-scenes', 'computer-vision'],
    terms: CC_BY_NC_4,
    format: 'webdataset',
    provenance: {
      collectionMethod: 'DIRECT_MEASUREMENT',
      collectionDescription: "Lumen's survey vehicles on planned routes in 14 European cities, 2021-2024, under a documented DPIA.",
      consentBasis: 'LEGITIMATE_INTEREST',
      curation: [
        { kind: 'PII_SCRUB', rowsIn: 92_000, rowsOut: 92_000, notes: 'Faces and licence plates blurred.' },
        {
          kind: 'HUMAN_REVIEW',
          rowsIn: 92_000,
          rowsOut: 92_000,
          reviewedFraction: 1,
          notes: 'Every frame checked for missed blurs before annotation.',
        },
      ],
    },
    columns: [
      { name: 'image_id', type: 'string' },
      { name: 'image', type: 'image', description: 'PNG, 2048x1024.' },
      { name: 'city', type: 'string' },
      { name: 'captured_at', type: 'timestamp[s]' },
      { name: 'weather', type: 'string' },
      { name: 'segmentation', type: 'image', description: 'Panoptic PNG, COCO panoptic encoding.' },
      { name: 'objects', type: 'list<struct<class:string,bbox:list<float32>>>' },
    ],
    sample: [
      {
        image_id: 'uss-lis-0041277',
        image: 'uss-lis-0041277.png',
        city: 'Lisbon',
        captured_at: '2023-05-09T10:14:02Z',
        weather: 'clear',
        segmentation: 'uss-lis-0041277.panoptic.png',
        objects: [
          { class: 'tram', bbox: [812, 301, 1490, 702] },
          { class: 'pedestrian', bbox: [221, 455, 268, 590] },
        ],
      },
      {
        image_id: 'uss-ams-0102915',
        image: 'uss-ams-0102915.png',
        city: 'Amsterdam',
        captured_at: '2024-01-22T16:48:37Z',
        weather: 'rain',
        segmentation: 'uss-ams-0102915.panoptic.png',
        objects: [
          { class: 'cargo-bike', bbox: [1022, 488, 1211, 719] },
          { class: 'car', bbox: [1402, 470, 1960, 790] },
        ],
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 48k frames from 8 cities.',
        columns: [
          { name: 'image_id', type: 'string' },
          { name: 'image', type: 'image' },
          { name: 'city', type: 'string' },
          { name: 'captured_at', type: 'timestamp[s]' },
          { name: 'segmentation', type: 'image' },
          { name: 'objects', type: 'list<struct<class:string,bbox:list<float32>>>' },
        ],
        sample: [
          {
            image_id: 'uss-ber-0007731',
            image: 'uss-ber-0007731.png',
            city: 'Berlin',
            captured_at: '2021-08-30T09:02:11Z',
            segmentation: 'uss-ber-0007731.panoptic.png',
            objects: [{ class: 'bicycle', bbox: [640, 512, 702, 633] }],
          },
          {
            image_id: 'uss-mad-0012044',
            image: 'uss-mad-0012044.png',
            city: 'Madrid',
            captured_at: '2022-03-17T12:40:55Z',
            segmentation: 'uss-mad-0012044.panoptic.png',
            objects: [{ class: 'bus', bbox: [300, 280, 980, 760] }],
          },
        ],
        files: [
          ...shards('shards/train', 24, 'tar', 40_000, 4_500 * KB),
          ...shards('shards/validation', 2, 'tar', 4_000, 4_500 * KB),
          ...shards('shards/test', 2, 'tar', 4_000, 4_500 * KB),
        ],
      },
      {
        version: '1.1.0',
        changelog:
          'Relabelled e-scooters and cargo bikes as their own classes (were "bicycle"); fixed 1,312 masks with swapped instance IDs.',
        columns: [
          { name: 'image_id', type: 'string' },
          { name: 'image', type: 'image' },
          { name: 'city', type: 'string' },
          { name: 'captured_at', type: 'timestamp[s]' },
          { name: 'segmentation', type: 'image' },
          { name: 'objects', type: 'list<struct<class:string,bbox:list<float32>>>' },
        ],
        sample: [
          {
            image_id: 'uss-ber-0007731',
            image: 'uss-ber-0007731.png',
            city: 'Berlin',
            captured_at: '2021-08-30T09:02:11Z',
            segmentation: 'uss-ber-0007731.panoptic.png',
            objects: [{ class: 'e-scooter', bbox: [640, 512, 702, 633] }],
          },
          {
            image_id: 'uss-mad-0012044',
            image: 'uss-mad-0012044.png',
            city: 'Madrid',
            captured_at: '2022-03-17T12:40:55Z',
            segmentation: 'uss-mad-0012044.panoptic.png',
            objects: [{ class: 'bus', bbox: [300, 280, 980, 760] }],
          },
        ],
        files: [
          ...shards('shards/train', 24, 'tar', 40_000, 4_500 * KB),
          ...shards('shards/validation', 2, 'tar', 4_000, 4_500 * KB),
          ...shards('shards/test', 2, 'tar', 4_000, 4_500 * KB),
        ],
      },
      {
        version: '2.0.0',
        changelog: 'Added 6 cities and 44k frames captured 2023-2024 (92k in total) and a `weather` column.',
        files: [
          ...shards('shards/train', 48, 'tar', 78_000, 4_500 * KB),
          ...shards('shards/validation', 4, 'tar', 7_000, 4_500 * KB),
          ...shards('shards/test', 4, 'tar', 7_000, 4_500 * KB),
        ],
      },
    ],
  },
  {
    slug: 'retail-shelf-sku',
    title: 'Retail Shelf Photos with SKU Bounding Boxes',
    summary: '38k high-resolution grocery shelf photos with 2.9M product boxes linked to 61k SKUs.',
    description:
      'Photographed by merchandising staff of three grocery chains in Germany, Poland and Spain during routine store audits, and ' +
      'licensed to Lumen under a commercial data agreement. Photos were taken before opening hours; the few shoppers or staff still ' +
      "in frame were blurred. Each product facing is boxed and linked to the SKU from the chain's planogram by trained annotators, " +
      'with a 10% second-pass review (box IoU agreement 0.93). About 38,000 12-megapixel JPEGs with 2.9 million boxes, 122 GB of ' +
      'WebDataset shards; the test split holds stores not seen in training. Intended for product recognition, planogram compliance ' +
      'and out-of-stock detection. Limitations: packaging variants of the same brand are often confused; 4% of boxes are labelled ' +
      '`unknown_sku`; no convenience or discount formats. No derivatives or synthetic generation permitted.',
    kind: 'REAL',
    modality: 'IMAGE',
    tags: ['retail', 'object-detection', 'sku-recognition'],
    terms: commercial({ derivatives: false }),
    format: 'webdataset',
    provenance: {
      collectionMethod: 'DIRECT_MEASUREMENT',
      collectionDescription:
        'Store-audit photos taken by merchandising staff of three grocery chains, licensed under a commercial data agreement.',
      consentBasis: 'CONTRACT',
      curation: [
        { kind: 'PII_SCRUB', rowsIn: 38_000, rowsOut: 38_000, notes: 'Remaining people in frame blurred.' },
        { kind: 'HUMAN_REVIEW', rowsIn: 38_000, rowsOut: 38_000, reviewedFraction: 0.1, notes: 'Second-pass box and SKU review.' },
      ],
    },
    columns: [
      { name: 'image_id', type: 'string' },
      { name: 'image', type: 'image', description: 'JPEG, 4000x3000.' },
      { name: 'country', type: 'string' },
      { name: 'store_format', type: 'string' },
      { name: 'shelf_count', type: 'int8' },
      { name: 'boxes', type: 'list<struct<bbox:list<float32>,sku:string>>' },
    ],
    sample: [
      {
        image_id: 'rss-de-0017781',
        image: 'rss-de-0017781.jpg',
        country: 'DE',
        store_format: 'supermarket',
        shelf_count: 5,
        boxes: [
          { bbox: [112, 340, 298, 702], sku: '4008400401621' },
          { bbox: [301, 338, 488, 700], sku: '4008400401621' },
        ],
      },
      {
        image_id: 'rss-pl-0003120',
        image: 'rss-pl-0003120.jpg',
        country: 'PL',
        store_format: 'hypermarket',
        shelf_count: 6,
        boxes: [{ bbox: [1880, 1210, 2102, 1655], sku: 'unknown_sku' }],
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 21k photos from German and Polish stores.',
        files: [...shards('shards/train', 16, 'tar', 19_500, 3_200 * KB), ...shards('shards/validation', 1, 'tar', 1_500, 3_200 * KB)],
      },
      {
        version: '1.1.0',
        changelog: 'Added 17k photos from the Spanish chain and a store-disjoint test split.',
        files: [
          ...shards('shards/train', 28, 'tar', 33_400, 3_200 * KB),
          ...shards('shards/validation', 2, 'tar', 2_300, 3_200 * KB),
          ...shards('shards/test', 2, 'tar', 2_300, 3_200 * KB),
        ],
      },
    ],
  },
  {
    slug: 'adverse-weather-driving-sim',
    title: 'Simulated Adverse-Weather Driving Clips',
    summary: '25k simulated 10-second driving clips in fog, heavy rain, snow and night, with pixel-perfect labels.',
    description:
      'Rendered with the CARLA 0.9.15 simulator (Unreal Engine 4) across 12 town maps, with randomised traffic, pedestrians, ' +
      'weather, lighting and sensor noise. This is a pure simulation: no real images or recordings were used as input, so it has ' +
      'no source datasets. Each clip is 10 seconds of 1920x1080 RGB at 10 fps with aligned depth, semantic segmentation, ' +
      'instance masks and 3D boxes for every vehicle and pedestrian. About 25,000 clips (2.1 TB of WebDataset shards with H.265 ' +
      'video and lossless label streams). Intended for robustness training and evaluation of perception models under rare ' +
      'conditions and for domain-randomisation research. Limitations: a clear sim-to-real gap in textures and pedestrian ' +
      'animation; road layouts repeat across clips; North American road signage only. Evaluate on real data before deployment.',
    kind: 'SYNTHETIC',
    modality: 'VIDEO',
    tags: ['synthetic', 'simulation', 'autonomous-driving', 'video'],
    terms: CC_BY_4,
    format: 'webdataset',
    provenance: {
      method: 'SIMULATION',
      generator: {
        model: 'CARLA',
        version: '0.9.15',
        provider: 'CARLA Team (open source)',
        parameters: { maps: 12, fps: 10, resolution: '1920x1080' },
      },
      realFraction: 0,
      curation: [
        { kind: 'QUALITY_CLASSIFIER', rowsIn: 25_600, rowsOut: 25_000, notes: 'Dropped clips with rendering glitches or stalled traffic.' },
      ],
    },
    columns: [
      { name: 'clip_id', type: 'string' },
      { name: 'video', type: 'video', description: 'H.265, 1920x1080, 10 fps, 10 s.' },
      { name: 'town', type: 'string' },
      { name: 'weather', type: 'string' },
      { name: 'time_of_day', type: 'string' },
      { name: 'frames', type: 'int16' },
      { name: 'labels', type: 'string', description: 'Key of the label stream (depth, semantic, instance, boxes) in the same shard.' },
    ],
    sample: [
      {
        clip_id: 'awd-t05-018822',
        video: 'awd-t05-018822.mp4',
        town: 'Town05',
        weather: 'dense_fog',
        time_of_day: 'dusk',
        frames: 100,
        labels: 'awd-t05-018822.labels.tar',
      },
      {
        clip_id: 'awd-t10-003107',
        video: 'awd-t10-003107.mp4',
        town: 'Town10HD',
        weather: 'heavy_rain',
        time_of_day: 'night',
        frames: 100,
        labels: 'awd-t10-003107.labels.tar',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 10k clips in fog and rain.',
        files: shards('shards/train', 40, 'tar', 10_000, 85 * MB),
      },
      {
        version: '1.1.0',
        changelog: 'Added snow and night conditions (25k clips in total) and a validation split rendered on two held-out maps.',
        files: [...shards('shards/train', 100, 'tar', 23_500, 85 * MB), ...shards('shards/validation', 6, 'tar', 1_500, 85 * MB)],
      },
    ],
  },
  {
    slug: 'warehouse-egocentric-video',
    title: 'Warehouse Pick-and-Place Egocentric Video',
    summary: '1,850 hours of head-mounted camera video of warehouse picking with time-stamped, narrated action segments.',
    description:
      'Recorded in 9 fulfilment centres by 212 paid operators wearing head-mounted cameras during normal shifts. Every operator gave ' +
      'written informed consent to recording and to use of the footage for AI training; consent can be withdrawn and withdrawn ' +
      'operators are removed in the next release. Co-workers who appear in frame either consented too or were blurred. Action ' +
      'segments (reach, grasp, scan, place, walk) are annotated with start and end times and a one-sentence English narration. ' +
      'About 1,850 hours in 22,000 five-minute clips at 1280x720, 30 fps (1.9 TB). Intended for robot learning from demonstration, ' +
      'action recognition and segmentation, and egocentric video-language models. Limitations: two camera models; 88% ' +
      'right-handed operators; narration covers only annotated segments. Attribution to Lumen Vision Labs is required.',
    kind: 'REAL',
    modality: 'VIDEO',
    tags: ['egocentric', 'robotics', 'action-recognition', 'video'],
    terms: commercial({ attributionRequired: true }),
    format: 'webdataset',
    provenance: {
      collectionMethod: 'DIRECT_MEASUREMENT',
      collectionDescription: 'Head-mounted cameras worn by 212 paid operators in 9 fulfilment centres during normal shifts.',
      consentBasis: 'EXPLICIT_CONSENT',
      curation: [
        { kind: 'PII_SCRUB', rowsIn: 22_200, rowsOut: 22_200, notes: 'Non-consenting co-workers blurred; withdrawn operators removed.' },
      ],
    },
    columns: [
      { name: 'clip_id', type: 'string' },
      { name: 'video', type: 'video', description: 'H.264, 1280x720, 30 fps.' },
      { name: 'site', type: 'string' },
      { name: 'duration_s', type: 'float32' },
      { name: 'actions', type: 'list<struct<start_s:float32,end_s:float32,label:string,narration:string>>' },
      { name: 'operator_hash', type: 'string' },
    ],
    sample: [
      {
        clip_id: 'wev-s03-104417',
        video: 'wev-s03-104417.mp4',
        site: 'site-03',
        duration_s: 300.0,
        actions: [
          { start_s: 12.4, end_s: 14.1, label: 'reach', narration: 'Reaches for a shoebox on the second shelf.' },
          { start_s: 14.1, end_s: 16.8, label: 'scan', narration: 'Scans the box barcode with the ring scanner.' },
        ],
        operator_hash: '7c1e90ab',
      },
      {
        clip_id: 'wev-s07-220981',
        video: 'wev-s07-220981.mp4',
        site: 'site-07',
        duration_s: 287.5,
        actions: [{ start_s: 3.0, end_s: 5.2, label: 'place', narration: 'Places two bottles into the tote on the cart.' }],
        operator_hash: 'e412b7d0',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 900 hours from 5 sites.',
        columns: [
          { name: 'clip_id', type: 'string' },
          { name: 'video', type: 'video' },
          { name: 'site', type: 'string' },
          { name: 'duration_s', type: 'float32' },
          { name: 'actions', type: 'list<struct<start_s:float32,end_s:float32,label:string>>' },
          { name: 'operator_hash', type: 'string' },
        ],
        sample: [
          {
            clip_id: 'wev-s01-000310',
            video: 'wev-s01-000310.mp4',
            site: 'site-01',
            duration_s: 300.0,
            actions: [{ start_s: 41.0, end_s: 43.6, label: 'grasp' }],
            operator_hash: '03aa5f19',
          },
          {
            clip_id: 'wev-s02-017725',
            video: 'wev-s02-017725.mp4',
            site: 'site-02',
            duration_s: 296.2,
            actions: [{ start_s: 7.7, end_s: 9.9, label: 'reach' }],
            operator_hash: 'b90c2e41',
          },
        ],
        files: shards('shards/train', 45, 'tar', 10_800, 83 * MB),
      },
      {
        version: '1.1.0',
        changelog: 'Added 2 sites (1,100 hours in total); removed footage of 14 operators who withdrew consent.',
        columns: [
          { name: 'clip_id', type: 'string' },
          { name: 'video', type: 'video' },
          { name: 'site', type: 'string' },
          { name: 'duration_s', type: 'float32' },
          { name: 'actions', type: 'list<struct<start_s:float32,end_s:float32,label:string>>' },
          { name: 'operator_hash', type: 'string' },
        ],
        sample: [
          {
            clip_id: 'wev-s01-000310',
            video: 'wev-s01-000310.mp4',
            site: 'site-01',
            duration_s: 300.0,
            actions: [{ start_s: 41.0, end_s: 43.6, label: 'grasp' }],
            operator_hash: '03aa5f19',
          },
          {
            clip_id: 'wev-s06-051232',
            video: 'wev-s06-051232.mp4',
            site: 'site-06',
            duration_s: 300.0,
            actions: [{ start_s: 120.3, end_s: 122.0, label: 'scan' }],
            operator_hash: '5be27d03',
          },
        ],
        files: shards('shards/train', 54, 'tar', 13_150, 83 * MB),
      },
      {
        version: '2.0.0',
        changelog:
          'Breaking: action segments gained a `narration` field. Added 2 more sites (1,850 hours) and a site-disjoint validation split.',
        files: [...shards('shards/train', 86, 'tar', 21_000, 83 * MB), ...shards('shards/validation', 5, 'tar', 1_200, 83 * MB)],
      },
    ],
  },
  {
    slug: 'pcb-defects-augmented',
    title: 'PCB Defect Images: Real Inspections plus Diffusion-Augmented Defects',
    summary: '64k PCB inspection images: 22% real AOI captures, the rest rare defects inpainted into real boards and reviewed.',
    description:
      'The real part comes from automated optical inspection (AOI) stations at two electronics contract manufacturers, which ' +
      'licensed 14,000 labelled images to Lumen. Rare defect classes (lifted lead, tombstoning, solder bridge, missing component) ' +
      'were augmented by inpainting defects into clean real boards with a Stable Diffusion 2 inpainting model fine-tuned on the real ' +
      'defect crops; each generated image is flagged `is_synthetic`, and a process engineer reviewed 10% of them (6% rejected). ' +
      'About 64,000 images with defect class and bounding box, 38 GB of WebDataset shards; the test split contains real images only. ' +
      'Intended for defect detection and classification where real positives are scarce. Limitations: generated defects look ' +
      'cleaner than real ones, so always evaluate on the real-only test split; boards are SMT-only, no through-hole assemblies.',
    kind: 'HYBRID',
    modality: 'IMAGE',
    tags: ['manufacturing', 'defect-detection', 'augmentation', 'synthetic'],
    terms: commercial(),
    format: 'webdataset',
    provenance: {
      method: 'AUGMENTATION',
      generator: { model: 'Stable Diffusion 2 Inpainting, fine-tuned on real defect crops', version: '2.0', provider: 'Lumen Vision Labs' },
      realFraction: 0.22,
      curation: [
        {
          kind: 'HUMAN_REVIEW',
          rowsIn: 53_200,
          rowsOut: 50_000,
          reviewedFraction: 0.1,
          notes: 'A process engineer reviewed generated images; 6% rejected.',
        },
      ],
    },
    columns: [
      { name: 'image_id', type: 'string' },
      { name: 'image', type: 'image', description: 'PNG, 1600x1200.' },
      { name: 'board_type', type: 'string' },
      { name: 'defect_class', type: 'string' },
      { name: 'bbox', type: 'list<float32>' },
      { name: 'is_synthetic', type: 'bool' },
    ],
    sample: [
      {
        image_id: 'pcb-r-004417',
        image: 'pcb-r-004417.png',
        board_type: 'motor-driver',
        defect_class: 'solder_bridge',
        bbox: [612, 388, 660, 421],
        is_synthetic: false,
      },
      {
        image_id: 'pcb-s-031870',
        image: 'pcb-s-031870.png',
        board_type: 'iot-gateway',
        defect_class: 'tombstoning',
        bbox: [1020, 744, 1051, 790],
        is_synthetic: true,
      },
      {
        image_id: 'pcb-r-009935',
        image: 'pcb-r-009935.png',
        board_type: 'iot-gateway',
        defect_class: 'none',
        bbox: [],
        is_synthetic: false,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 14k real images and 17k augmented images of solder bridges and tombstoning.',
        files: [...shards('shards/train', 12, 'tar', 29_000, 600 * KB), ...shards('shards/test', 1, 'tar', 2_000, 600 * KB)],
      },
      {
        version: '1.1.0',
        changelog: 'Added 33k augmented images of lifted leads and missing components; reviewed fraction raised from 5% to 10%.',
        files: [...shards('shards/train', 24, 'tar', 62_000, 600 * KB), ...shards('shards/test', 1, 'tar', 2_000, 600 * KB)],
      },
    ],
  },
  {
    slug: 'stock-photo-captions',
    title: 'Stock Photos with Human-Written Captions and Alt Text',
    summary: '1.1M licensed stock photos, each with a detailed human caption, concise alt text and keywords.',
    description:
      'Photos licensed from an independent stock agency whose contributor agreement grants AI-training rights; contributing ' +
      'photographers receive a revenue share on every licence Lumen sells. All photos showing identifiable people have signed ' +
      "model releases. Captions (62 words on average) and alt text (under 125 characters) were written by Lumen's annotation team " +
      'following WCAG guidance, with a 5% editorial review; by policy, captions do not guess ethnicity, religion or health. About ' +
      '1.1 million photos at 1024 px on the long side with captions, alt text and agency keywords, 385 GB of WebDataset shards. ' +
      'Intended for image captioning, text-to-image and vision-language training, accessibility tools and retrieval. ' +
      'Limitations: stock aesthetics (posed, well lit); Western settings are over-represented. Attribution to the agency and ' +
      'Lumen is required.',
    kind: 'REAL',
    modality: 'MULTIMODAL',
    tags: ['image-captioning', 'image-text', 'alt-text', 'stock-photos'],
    terms: commercial({ syntheticGeneration: true, attributionRequired: true }),
    format: 'webdataset',
    provenance: {
      collectionMethod: 'MANUAL_CURATION',
      collectionDescription:
        "Photos licensed from a stock agency with AI-training rights; captions and alt text written by Lumen's annotators.",
      consentBasis: 'CONTRACT',
      curation: [
        { kind: 'HUMAN_REVIEW', rowsIn: 1_100_000, rowsOut: 1_100_000, reviewedFraction: 0.05, notes: 'Editorial review of captions.' },
      ],
    },
    columns: [
      { name: 'photo_id', type: 'string' },
      { name: 'image', type: 'image', description: 'JPEG, 1024 px long side.' },
      { name: 'caption', type: 'string' },
      { name: 'alt_text', type: 'string' },
      { name: 'keywords', type: 'list<string>' },
      { name: 'width', type: 'int32' },
      { name: 'height', type: 'int32' },
    ],
    sample: [
      {
        photo_id: 'spc-0882140',
        image: 'spc-0882140.jpg',
        caption:
          'A baker in a flour-dusted apron lifts a tray of golden croissants from a deck oven in a small bakery kitchen; racks of cooling baguettes stand behind her and early light comes through a window on the left.',
        alt_text: 'Baker taking a tray of croissants out of an oven.',
        keywords: ['bakery', 'croissant', 'oven', 'small business'],
        width: 1024,
        height: 683,
      },
      {
        photo_id: 'spc-0190356',
        image: 'spc-0190356.jpg',
        caption:
          'Aerial view of a winding river through autumn forest, with orange and yellow trees on both banks and a narrow road bridge crossing near the top of the frame.',
        alt_text: 'River winding through an autumn forest, seen from above.',
        keywords: ['aerial', 'river', 'autumn', 'forest'],
        width: 1024,
        height: 576,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 600k photos.',
        columns: [
          { name: 'photo_id', type: 'string' },
          { name: 'image', type: 'image' },
          { name: 'caption', type: 'string' },
          { name: 'alt_text', type: 'string' },
          { name: 'width', type: 'int32' },
          { name: 'height', type: 'int32' },
        ],
        sample: [
          {
            photo_id: 'spc-0190356',
            image: 'spc-0190356.jpg',
            caption:
              'Aerial view of a winding river through autumn forest, with orange and yellow trees on both banks and a narrow road bridge crossing near the top of the frame.',
            alt_text: 'River winding through an autumn forest, seen from above.',
            width: 1024,
            height: 576,
          },
          {
            photo_id: 'spc-0044718',
            image: 'spc-0044718.jpg',
            caption:
              'Two cyclists in rain jackets ride along a cobbled harbour street at dusk, shop windows lit on the right and fishing boats moored on the left.',
            alt_text: 'Two cyclists on a wet harbour street at dusk.',
            width: 1024,
            height: 768,
          },
        ],
        files: shards('shards/train', 60, 'tar', 600_000, 350 * KB),
      },
      {
        version: '1.1.0',
        changelog: 'Added 500k photos (1.1M in total) and agency keywords.',
        files: [...shards('shards/train', 108, 'tar', 1_080_000, 350 * KB), ...shards('shards/validation', 2, 'tar', 20_000, 350 * KB)],
      },
      {
        version: '1.2.0',
        changelog: 'Rewrote alt text for 80k photos whose alt text described apparent ethnicity, against the captioning policy.',
        files: [...shards('shards/train', 108, 'tar', 1_080_000, 350 * KB), ...shards('shards/validation', 2, 'tar', 20_000, 350 * KB)],
      },
    ],
  },
  {
    slug: 'synthetic-aerial-buildings',
    title: 'Procedurally Rendered Aerial Imagery for Building Footprints',
    summary: '120k rendered 1024x1024 aerial tiles with exact building-footprint and roof-type masks.',
    description:
      'Generated procedurally in Blender 4.1 with a rule-based city generator (street graphs, parcel subdivision, roof grammars) ' +
      'and physically based lighting at 0.3 m ground sampling distance. No real imagery or map data was used as input, so the ' +
      'dataset has no source datasets and carries no upstream restrictions. Sun angle, season, haze, vegetation density and sensor ' +
      'noise are randomised per tile; masks are exact because they come from the scene geometry. About 120,000 tiles with footprint ' +
      'and roof-type masks, 126 GB of WebDataset shards. Intended for pretraining building-footprint segmentation and roof ' +
      'classification before fine-tuning on real imagery. Limitations: building styles follow North American and European ' +
      'suburbs; no informal settlements or dense high-rise cores; vegetation is visibly repetitive. Public domain (CC0).',
    kind: 'SYNTHETIC',
    modality: 'IMAGE',
    tags: ['synthetic', 'aerial-imagery', 'segmentation', 'remote-sensing'],
    terms: CC0,
    format: 'webdataset',
    provenance: {
      method: 'SIMULATION',
      generator: {
        model: 'Blender with Lumen CityGen',
        version: '4.1',
        provider: 'Lumen Vision Labs',
        parameters: { gsd_m: 0.3, tile_px: 1024 },
      },
      realFraction: 0,
      curation: [
        { kind: 'QUALITY_CLASSIFIER', rowsIn: 121_500, rowsOut: 120_000, notes: 'Dropped tiles with fewer than three buildings.' },
      ],
    },
    columns: [
      { name: 'tile_id', type: 'string' },
      { name: 'image', type: 'image', description: 'PNG, 1024x1024, RGB.' },
      { name: 'mask', type: 'image', description: 'PNG, 0 = background, 1..6 = roof type.' },
      { name: 'roof_types', type: 'list<string>' },
      { name: 'gsd_m', type: 'float32' },
      { name: 'sun_elevation_deg', type: 'float32' },
    ],
    sample: [
      {
        tile_id: 'sab-000412',
        image: 'sab-000412.png',
        mask: 'sab-000412.mask.png',
        roof_types: ['gable', 'hip'],
        gsd_m: 0.3,
        sun_elevation_deg: 41.5,
      },
      {
        tile_id: 'sab-087301',
        image: 'sab-087301.png',
        mask: 'sab-087301.mask.png',
        roof_types: ['flat'],
        gsd_m: 0.3,
        sun_elevation_deg: 18.2,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release.',
        files: [...shards('shards/train', 60, 'tar', 114_000, 1_050 * KB), ...shards('shards/validation', 3, 'tar', 6_000, 1_050 * KB)],
      },
    ],
  },
];

// --- Cadence Audio: speech and sound ---------------------------------------

/** Languages of Read Speech in 12 Languages with their clip counts (2.0.0 onwards). */
const READ_SPEECH_LANGUAGES: [string, number][] = [
  ['en', 310_000],
  ['es', 248_000],
  ['de', 221_000],
  ['fr', 219_000],
  ['it', 172_000],
  ['pt', 168_000],
  ['nl', 151_000],
  ['pl', 149_000],
  ['sw', 142_000],
  ['hi', 158_000],
  ['ja', 146_000],
  ['vi', 139_000],
];

const CADENCE: DemoDataset[] = [
  {
    slug: 'bilingual-conversations-es-en',
    title: 'Spontaneous Bilingual Conversations (Spanish-English)',
    summary: '740 hours of spontaneous two-speaker phone conversations with code-switching, transcribed verbatim.',
    description:
      'Recorded by Cadence from 2022 to 2024 with 1,280 paid participants in the United States, Mexico and Spain. Each participant ' +
      'signed a consent form covering recording and machine-learning use, with the right to withdraw; withdrawn speakers are ' +
      'removed in the next release. Pairs talked freely about topics they chose, over telephone (8 kHz) and VoIP (16 kHz) lines. ' +
      'Bilingual transcribers produced verbatim transcripts with per-token language tags, disfluencies and speaker turns, and ' +
      'speaker metadata records age band, gender and region. About 740 hours in 480,000 segmented utterances (FLAC), 19 GB. ' +
      'Intended for automatic speech recognition of code-switched speech, diarization and language identification. Limitations: ' +
      '60% telephone bandwidth; Mexican and US Spanish dominate; transcripts have about 4% word error rate against a ' +
      'double-transcribed subset. Voice cloning and synthetic speech generation from this data are not permitted.',
    kind: 'REAL',
    modality: 'AUDIO',
    tags: ['speech', 'asr', 'code-switching', 'spanish', 'english'],
    terms: commercial(),
    format: 'webdataset',
    provenance: {
      collectionMethod: 'CROWDSOURCING',
      collectionDescription: 'Paid participants in the US, Mexico and Spain recorded free conversations over phone and VoIP lines.',
      consentBasis: 'EXPLICIT_CONSENT',
      curation: [
        { kind: 'HUMAN_REVIEW', rowsIn: 480_000, rowsOut: 480_000, reviewedFraction: 0.05, notes: 'Double transcription of a 5% subset.' },
      ],
    },
    columns: [
      { name: 'utterance_id', type: 'string' },
      { name: 'audio', type: 'audio', description: 'FLAC, mono.' },
      { name: 'speaker_id', type: 'string' },
      { name: 'start_s', type: 'float32' },
      { name: 'end_s', type: 'float32' },
      { name: 'transcript', type: 'string' },
      { name: 'languages', type: 'list<string>' },
      { name: 'sample_rate', type: 'int32' },
    ],
    sample: [
      {
        utterance_id: 'bce-c0417-u0032',
        audio: 'bce-c0417-u0032.flac',
        speaker_id: 'spk-0833',
        start_s: 84.12,
        end_s: 89.7,
        transcript: 'no, pero like the thing is que mi jefe nunca lee los emails',
        languages: ['es', 'en'],
        sample_rate: 8000,
      },
      {
        utterance_id: 'bce-c1102-u0118',
        audio: 'bce-c1102-u0118.flac',
        speaker_id: 'spk-0129',
        start_s: 402.55,
        end_s: 405.01,
        transcript: 'sí, sí, we went to Oaxaca el año pasado',
        languages: ['es', 'en'],
        sample_rate: 16000,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 420 hours from 710 speakers.',
        files: [
          ...shards('audio/train', 8, 'tar', 248_000, 40 * KB),
          ...shards('audio/dev', 1, 'tar', 12_000, 40 * KB),
          ...shards('audio/test', 1, 'tar', 12_000, 40 * KB),
        ],
      },
      {
        version: '1.1.0',
        changelog: 'Added 320 hours from 570 new speakers in Spain and Mexico; removed 9 speakers who withdrew consent.',
        files: [
          ...shards('audio/train', 14, 'tar', 446_000, 40 * KB),
          ...shards('audio/dev', 1, 'tar', 17_000, 40 * KB),
          ...shards('audio/test', 1, 'tar', 17_000, 40 * KB),
        ],
      },
      {
        version: '1.1.1',
        changelog: 'Fixed utterance timestamps in 312 conversations that were offset by the VoIP jitter buffer (up to 0.8 s).',
        files: [
          ...shards('audio/train', 14, 'tar', 446_000, 40 * KB),
          ...shards('audio/dev', 1, 'tar', 17_000, 40 * KB),
          ...shards('audio/test', 1, 'tar', 17_000, 40 * KB),
        ],
      },
    ],
  },
  {
    slug: 'read-speech-12-languages',
    title: 'Read Speech in 12 Languages',
    summary: '3,100 hours of clean read speech from 4,600 consenting speakers in 12 languages, with prompts and speaker metadata.',
    description:
      'Recorded remotely in a browser app with a USB microphone Cadence shipped to each speaker. Speakers were paid and agreed to ' +
      'release their recordings under CC BY 4.0 for any use, including machine learning. Prompts are public-domain and CC0 ' +
      'sentences; each clip was validated by two listeners, and clips either listener rejected were dropped. Languages: English, ' +
      'Spanish, German, French, Italian, Portuguese, Dutch, Polish, Swahili, Hindi, Japanese and Vietnamese. About 2.2 million ' +
      'clips (3,100 hours, 16 kHz FLAC) with speaker ID, gender and age band, 171 GB partitioned by language. Intended for ASR, ' +
      'speaker verification and TTS research. Limitations: read, not spontaneous speech; quiet home offices only; speakers over ' +
      '60 are under-represented. Attribution: "Cadence Audio, Read Speech in 12 Languages".',
    kind: 'REAL',
    modality: 'AUDIO',
    tags: ['speech', 'asr', 'multilingual', 'read-speech'],
    terms: CC_BY_4,
    format: 'webdataset',
    provenance: {
      collectionMethod: 'CROWDSOURCING',
      collectionDescription: 'Paid speakers reading public-domain and CC0 prompts in a browser app, released by them under CC BY 4.0.',
      consentBasis: 'EXPLICIT_CONSENT',
      curation: [
        {
          kind: 'HUMAN_REVIEW',
          rowsIn: 2_230_000,
          rowsOut: 2_216_000,
          reviewedFraction: 1,
          notes: 'Every clip validated by two listeners.',
        },
      ],
    },
    columns: [
      { name: 'clip_id', type: 'string' },
      { name: 'audio', type: 'audio', description: 'FLAC, 16 kHz mono.' },
      { name: 'language', type: 'string', description: 'ISO 639-1.' },
      { name: 'speaker_id', type: 'string' },
      { name: 'sentence', type: 'string' },
      { name: 'gender', type: 'string' },
      { name: 'age_band', type: 'string' },
    ],
    sample: [
      {
        clip_id: 'rs12-de-0071123',
        audio: 'rs12-de-0071123.flac',
        language: 'de',
        speaker_id: 'de-0412',
        sentence: 'Der Zug nach Hamburg fährt heute von Gleis sieben ab.',
        gender: 'female',
        age_band: '30-39',
      },
      {
        clip_id: 'rs12-sw-0009981',
        audio: 'rs12-sw-0009981.flac',
        language: 'sw',
        speaker_id: 'sw-0077',
        sentence: 'Mvua kubwa inatarajiwa kunyesha kesho asubuhi.',
        gender: 'male',
        age_band: '20-29',
      },
      {
        clip_id: 'rs12-en-0200417',
        audio: 'rs12-en-0200417.flac',
        language: 'en',
        speaker_id: 'en-1930',
        sentence: 'Please remember to bring your library card on Thursday.',
        gender: 'female',
        age_band: '60-69',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 8 European languages, 1,900 hours.',
        files: READ_SPEECH_LANGUAGES.slice(0, 8).flatMap(([lang, clips]) =>
          shards(`audio/${lang}/train`, 3, 'tar', Math.round(clips * 0.82), 78 * KB),
        ),
      },
      {
        version: '2.0.0',
        changelog: 'Added Swahili, Hindi, Japanese and Vietnamese and 1,200 hours of new speakers in the first eight languages.',
        files: READ_SPEECH_LANGUAGES.flatMap(([lang, clips]) => shards(`audio/${lang}/train`, 4, 'tar', clips, 78 * KB)),
      },
      {
        version: '2.1.0',
        changelog: 'Removed 0.3% of clips flagged by a third listener pass (truncated recordings, wrong prompt read).',
        files: READ_SPEECH_LANGUAGES.flatMap(([lang, clips]) =>
          shards(`audio/${lang}/train`, 4, 'tar', Math.round(clips * 0.997), 78 * KB),
        ),
      },
    ],
  },
  {
    slug: 'synthetic-accented-english-tts',
    title: 'Synthetic Accented English Speech (TTS)',
    summary: '1,200 hours of synthesised English in 18 accents from licensed voice-actor voices, for ASR robustness.',
    description:
      "Generated with Cadence's in-house multi-speaker TTS model (VITS2 architecture), trained only on recordings of 96 " +
      'professional voice actors who licensed their voices for synthetic data generation under contract. Texts are everyday ' +
      'utterances written by an LLM plus sentences from the English part of Read Speech in 12 Languages. Eighteen accents, ' +
      'each rendered by actors native to it, with randomised speaking rate and prosody. Every clip passed an ASR round-trip ' +
      'check (character error rate below 5%) and a predicted-MOS threshold; linguists reviewed 2% of clips. About 850,000 clips ' +
      '(1,200 hours, 22 kHz FLAC), 95 GB. Intended for augmenting ASR training on accented speech. Not for speaker ' +
      'identification or voice cloning: the licence forbids derivatives and commercial use. Limitations: synthetic prosody is ' +
      'flatter than real speech; accent rendering depends on the actor pool; never evaluate on synthetic speech alone.',
    kind: 'SYNTHETIC',
    modality: 'AUDIO',
    tags: ['synthetic', 'tts', 'speech', 'accents'],
    terms: CC_BY_NC_ND_4,
    format: 'webdataset',
    provenance: {
      method: 'OTHER',
      generator: {
        model: 'Cadence multi-speaker TTS (VITS2)',
        version: '3.2',
        provider: 'Cadence Audio',
        parameters: { voices: 96, accents: 18 },
      },
      sources: [{ dataset: 'cadence-audio/read-speech-12-languages', version: '2.0.0', role: 'SEED', rowsUsed: 150_000 }],
      realFraction: 0,
      curation: [
        {
          kind: 'QUALITY_CLASSIFIER',
          rowsIn: 905_000,
          rowsOut: 850_000,
          notes: 'ASR round-trip CER below 5% and predicted MOS of at least 3.8.',
        },
        { kind: 'HUMAN_REVIEW', rowsIn: 850_000, rowsOut: 850_000, reviewedFraction: 0.02 },
      ],
    },
    columns: [
      { name: 'clip_id', type: 'string' },
      { name: 'audio', type: 'audio', description: 'FLAC, 22.05 kHz mono.' },
      { name: 'text', type: 'string' },
      { name: 'accent', type: 'string' },
      { name: 'voice_id', type: 'string' },
      { name: 'duration_s', type: 'float32' },
      { name: 'asr_cer', type: 'float32', description: 'Character error rate of an ASR round trip.' },
    ],
    sample: [
      {
        clip_id: 'tts-ng-0412270',
        audio: 'tts-ng-0412270.flac',
        text: 'Could you send me the slides before the meeting starts?',
        accent: 'nigerian-english',
        voice_id: 'va-31',
        duration_s: 3.42,
        asr_cer: 0.0,
      },
      {
        clip_id: 'tts-sco-0088114',
        audio: 'tts-sco-0088114.flac',
        text: 'The next bus to the city centre leaves in twelve minutes.',
        accent: 'scottish-english',
        voice_id: 'va-07',
        duration_s: 3.9,
        asr_cer: 0.019,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 10 accents, 600 hours.',
        provenance: { sources: [{ dataset: 'cadence-audio/read-speech-12-languages', version: '1.0.0', role: 'SEED', rowsUsed: 90_000 }] },
        columns: [
          { name: 'clip_id', type: 'string' },
          { name: 'audio', type: 'audio' },
          { name: 'text', type: 'string' },
          { name: 'accent', type: 'string' },
          { name: 'voice_id', type: 'string' },
          { name: 'duration_s', type: 'float32' },
        ],
        sample: [
          {
            clip_id: 'tts-in-0001207',
            audio: 'tts-in-0001207.flac',
            text: "I will call you back after lunch, around two o'clock.",
            accent: 'indian-english',
            voice_id: 'va-12',
            duration_s: 3.1,
          },
          {
            clip_id: 'tts-ie-0030415',
            audio: 'tts-ie-0030415.flac',
            text: 'Turn left at the petrol station and the office is on your right.',
            accent: 'irish-english',
            voice_id: 'va-44',
            duration_s: 3.66,
          },
        ],
        files: shards('audio/train', 16, 'tar', 420_000, 112 * KB),
      },
      {
        version: '1.1.0',
        changelog: 'Added 8 accents from 41 new voice actors (1,200 hours) and the `asr_cer` column.',
        files: [...shards('audio/train', 32, 'tar', 835_000, 112 * KB), ...shards('audio/validation', 1, 'tar', 15_000, 112 * KB)],
      },
    ],
  },
  {
    slug: 'urban-sound-events',
    title: 'Urban Environmental Sound Events',
    summary: '52k ten-second field recordings of city sounds with onset/offset labels for 45 event classes.',
    description:
      'Recorded by Cadence field teams with calibrated recorders at fixed points in public spaces in six European and North ' +
      'American cities, across all hours and most seasons. Segments containing speech were detected and muffled so that no ' +
      'conversation is intelligible; recordists avoided private property. Annotators marked the onset and offset of every event ' +
      'from 45 classes (sirens, tram bells, construction, dogs, scooters, street music and more), with 10% double-annotated ' +
      '(event-based F1 agreement 0.86). About 52,000 ten-second clips (44.1 kHz stereo FLAC), 62 GB. Intended for sound event ' +
      'detection, noise monitoring and as a noise source for audio augmentation. Limitations: microphones at 1.5 m only; winter ' +
      'is under-represented; class balance follows real frequency, so rare events have fewer than 200 examples. Share-alike ' +
      'licence: derivatives must be released under the same terms.',
    kind: 'REAL',
    modality: 'AUDIO',
    tags: ['sound-events', 'environmental-audio', 'field-recording'],
    terms: CC_BY_SA_4,
    format: 'webdataset',
    provenance: {
      collectionMethod: 'DIRECT_MEASUREMENT',
      collectionDescription: 'Calibrated recorders at fixed points in public spaces of six cities.',
      consentBasis: 'NOT_PERSONAL_DATA',
      curation: [{ kind: 'PII_SCRUB', rowsIn: 52_000, rowsOut: 52_000, notes: 'Speech detected and muffled until unintelligible.' }],
    },
    columns: [
      { name: 'clip_id', type: 'string' },
      { name: 'audio', type: 'audio', description: 'FLAC, 44.1 kHz stereo.' },
      { name: 'city', type: 'string' },
      { name: 'recorded_at', type: 'timestamp[s]' },
      { name: 'duration_s', type: 'float32' },
      { name: 'events', type: 'list<struct<label:string,onset_s:float32,offset_s:float32>>' },
    ],
    sample: [
      {
        clip_id: 'use-bcn-019227',
        audio: 'use-bcn-019227.flac',
        city: 'Barcelona',
        recorded_at: '2023-07-14T21:05:40Z',
        duration_s: 10.0,
        events: [
          { label: 'scooter_passby', onset_s: 1.2, offset_s: 3.8 },
          { label: 'street_music', onset_s: 0.0, offset_s: 10.0 },
        ],
      },
      {
        clip_id: 'use-tor-004410',
        audio: 'use-tor-004410.flac',
        city: 'Toronto',
        recorded_at: '2023-10-02T08:12:03Z',
        duration_s: 10.0,
        events: [{ label: 'siren', onset_s: 4.4, offset_s: 10.0 }],
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 31k clips from 4 cities.',
        files: [...shards('audio/train', 8, 'tar', 28_000, 1_200 * KB), ...shards('audio/eval', 1, 'tar', 3_000, 1_200 * KB)],
      },
      {
        version: '1.1.0',
        changelog: 'Added Toronto and Warsaw (52k clips), 6 new classes, and a stronger speech-muffling pass over all clips.',
        files: [...shards('audio/train', 13, 'tar', 47_000, 1_200 * KB), ...shards('audio/eval', 2, 'tar', 5_000, 1_200 * KB)],
      },
    ],
  },
  {
    slug: 'podcast-aligned-transcripts',
    title: 'Podcast Episodes with Word-Aligned Transcripts',
    summary: '18k hours of podcast audio licensed from 140 independent shows, with speaker-attributed, word-aligned transcripts.',
    description:
      'Licensed directly from 140 independent English-language podcast producers, who are paid a royalty on every sale; episodes ' +
      'were published between 2015 and 2024 and host-read ads were cut. Transcripts were produced with Whisper large-v3, speaker ' +
      'labels come from diarization matched to show notes, and human editors corrected the transcripts of 30% of hours (flagged ' +
      '`human_corrected`). Words are force-aligned to the audio with start and end times. About 21,600 episodes (18,000 hours, ' +
      '128 kbps MP3), 1 TB of WebDataset shards. Intended for long-form ASR, spoken language understanding, summarisation and ' +
      'audio-text retrieval. Limitations: topics lean toward technology, business and true crime; uncorrected transcripts have ' +
      'about 7% word error rate. Shows must be credited; the episode list is part of the data.',
    kind: 'REAL',
    modality: 'MULTIMODAL',
    tags: ['podcasts', 'speech', 'transcripts', 'long-form'],
    terms: commercial({ attributionRequired: true }),
    format: 'webdataset',
    provenance: {
      collectionMethod: 'USER_GENERATED_CONTENT',
      collectionDescription: 'Episodes licensed directly from 140 independent podcast producers, who receive royalties.',
      consentBasis: 'CONTRACT',
      curation: [
        {
          kind: 'HUMAN_REVIEW',
          rowsIn: 21_600,
          rowsOut: 21_600,
          reviewedFraction: 0.3,
          notes: 'Editors corrected the machine transcripts of 30% of hours.',
        },
      ],
    },
    columns: [
      { name: 'episode_id', type: 'string' },
      { name: 'show', type: 'string' },
      { name: 'audio', type: 'audio', description: 'MP3, 128 kbps.' },
      { name: 'duration_s', type: 'float32' },
      { name: 'transcript', type: 'string' },
      { name: 'words', type: 'list<struct<w:string,start:float32,end:float32,speaker:string>>' },
      { name: 'human_corrected', type: 'bool' },
    ],
    sample: [
      {
        episode_id: 'pod-0112-0238',
        show: 'The Margin Call',
        audio: 'pod-0112-0238.mp3',
        duration_s: 3011.4,
        transcript:
          'Welcome back to The Margin Call. Today we are talking about why small lenders are pulling out of commercial real estate...',
        words: [
          { w: 'Welcome', start: 0.42, end: 0.81, speaker: 'host' },
          { w: 'back', start: 0.81, end: 1.05, speaker: 'host' },
        ],
        human_corrected: true,
      },
      {
        episode_id: 'pod-0087-0011',
        show: 'Cold Case Files of the Midwest',
        audio: 'pod-0087-0011.mp3',
        duration_s: 2644.9,
        transcript: 'In the winter of 1979, a farmhouse outside Ames, Iowa was found empty, the table still set for dinner...',
        words: [
          { w: 'In', start: 1.1, end: 1.22, speaker: 'narrator' },
          { w: 'the', start: 1.22, end: 1.31, speaker: 'narrator' },
        ],
        human_corrected: false,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 9,000 hours from 82 shows, segment-level timestamps.',
        columns: [
          { name: 'episode_id', type: 'string' },
          { name: 'show', type: 'string' },
          { name: 'audio', type: 'audio' },
          { name: 'duration_s', type: 'float32' },
          { name: 'transcript', type: 'string' },
          { name: 'human_corrected', type: 'bool' },
        ],
        sample: [
          {
            episode_id: 'pod-0112-0238',
            show: 'The Margin Call',
            audio: 'pod-0112-0238.mp3',
            duration_s: 3011.4,
            transcript:
              'Welcome back to The Margin Call. Today we are talking about why small lenders are pulling out of commercial real estate...',
            human_corrected: true,
          },
          {
            episode_id: 'pod-0031-0104',
            show: 'Build in Public',
            audio: 'pod-0031-0104.mp3',
            duration_s: 2210.0,
            transcript: 'So this week we finally shipped the billing rewrite, and of course the first invoice run failed...',
            human_corrected: false,
          },
        ],
        files: shards('shards/train', 52, 'tar', 10_800, 48 * MB),
      },
      {
        version: '2.0.0',
        changelog: 'Breaking: added word-level alignment (`words`). Added 58 shows (18,000 hours in total).',
        files: shards('shards/train', 104, 'tar', 21_600, 48 * MB),
      },
    ],
  },
  {
    slug: 'far-field-speech-augmented',
    title: 'Noise-Augmented Far-Field Speech',
    summary: 'Real read speech kept clean, re-recorded in real rooms or simulated in 2,000 virtual rooms with real city noise.',
    description:
      'Built from two Cadence datasets: the English, Spanish and German clips of Read Speech in 12 Languages and the noise of Urban ' +
      'Environmental Sound Events. Each source clip is kept once unchanged as a clean anchor (20% of rows); the rest are ' +
      'augmented copies: 15% were physically played back and re-recorded in 11 real rooms at 1 to 5 metres, and 65% were ' +
      'simulated by convolving the clean speech with room impulse responses from pyroomacoustics (2,000 shoebox rooms) and ' +
      'mixing in real noise at 0 to 20 dB SNR. The words spoken are real and unchanged; each row records its source clip, ' +
      'condition, room, distance and SNR. About 1.1 million clips, 110 GB. Intended for far-field and noise-robust ASR training. ' +
      'Limitations: simulated reverberation lacks furniture scattering; noise is mostly urban outdoor; the speakers are those of ' +
      'the source corpus, so do not evaluate on that corpus. Inherits share-alike terms from its noise source.',
    kind: 'HYBRID',
    modality: 'AUDIO',
    tags: ['speech', 'augmentation', 'far-field', 'asr'],
    terms: CC_BY_SA_4,
    format: 'webdataset',
    provenance: {
      method: 'AUGMENTATION',
      generator: { model: 'pyroomacoustics', version: '0.7.3', provider: 'open source', parameters: { rooms: 2000, snr_db: [0, 20] } },
      sources: [
        { dataset: 'cadence-audio/read-speech-12-languages', version: '2.1.0', role: 'SEED', rowsUsed: 776_000 },
        { dataset: 'cadence-audio/urban-sound-events', version: '1.1.0', role: 'REFERENCE', rowsUsed: 47_000 },
      ],
      realFraction: 0.2,
    },
    columns: [
      { name: 'clip_id', type: 'string' },
      { name: 'audio', type: 'audio', description: 'FLAC, 16 kHz mono.' },
      { name: 'source_clip_id', type: 'string' },
      { name: 'transcript', type: 'string' },
      { name: 'room_id', type: 'string' },
      { name: 'distance_m', type: 'float32' },
      { name: 'snr_db', type: 'float32' },
      { name: 'condition', type: 'string', description: 'clean, rerecorded or simulated.' },
    ],
    sample: [
      {
        clip_id: 'ffs-0300418',
        audio: 'ffs-0300418.flac',
        source_clip_id: 'rs12-en-0200417',
        transcript: 'Please remember to bring your library card on Thursday.',
        room_id: 'sim-1187',
        distance_m: 3.5,
        snr_db: 6.0,
        condition: 'simulated',
      },
      {
        clip_id: 'ffs-0902211',
        audio: 'ffs-0902211.flac',
        source_clip_id: 'rs12-de-0071123',
        transcript: 'Der Zug nach Hamburg fährt heute von Gleis sieben ab.',
        room_id: 'real-kitchen-02',
        distance_m: 2.0,
        snr_db: 15.0,
        condition: 'rerecorded',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: English and Spanish, 640k clips (clean anchors and simulated rooms).',
        provenance: {
          sources: [
            { dataset: 'cadence-audio/read-speech-12-languages', version: '2.0.0', role: 'SEED', rowsUsed: 558_000 },
            { dataset: 'cadence-audio/urban-sound-events', version: '1.0.0', role: 'REFERENCE', rowsUsed: 28_000 },
          ],
        },
        columns: [
          { name: 'clip_id', type: 'string' },
          { name: 'audio', type: 'audio' },
          { name: 'source_clip_id', type: 'string' },
          { name: 'transcript', type: 'string' },
          { name: 'room_id', type: 'string' },
          { name: 'distance_m', type: 'float32' },
          { name: 'snr_db', type: 'float32' },
        ],
        sample: [
          {
            clip_id: 'ffs-0000731',
            audio: 'ffs-0000731.flac',
            source_clip_id: 'rs12-en-0200417',
            transcript: 'Please remember to bring your library card on Thursday.',
            room_id: 'sim-0042',
            distance_m: 1.5,
            snr_db: 12.0,
          },
          {
            clip_id: 'ffs-0410022',
            audio: 'ffs-0410022.flac',
            source_clip_id: 'rs12-es-0133870',
            transcript: 'El museo abre a las diez los domingos.',
            room_id: 'sim-1903',
            distance_m: 4.0,
            snr_db: 3.0,
          },
        ],
        files: shards('audio/train', 16, 'tar', 640_000, 100 * KB),
      },
      {
        version: '1.1.0',
        changelog: 'Added German, 165k clips re-recorded in 11 real rooms, and the `condition` column (1.1M clips in total).',
        files: [...shards('audio/train', 26, 'tar', 1_080_000, 100 * KB), ...shards('audio/dev', 1, 'tar', 20_000, 100 * KB)],
      },
    ],
  },
  {
    slug: 'consented-meetings-video',
    title: 'Consented Video Meetings with Diarization',
    summary: '2,300 hours of recorded remote meetings with diarization, professional transcripts and slide-change times.',
    description:
      "Recorded in 2023 and 2024 by companies in Cadence's meeting-panel programme. Every participant gave explicit opt-in consent " +
      'per meeting; the video and audio tracks of anyone who did not were removed, and hosts excluded confidential meetings. ' +
      'Transcripts were written by professional transcribers, speaker turns are given as RTTM, and slide changes in screen shares ' +
      'are time-stamped. About 3,300 meetings (2,300 hours, 720p gallery view), 1.6 TB. Intended for meeting summarisation, ' +
      'active-speaker detection and audio-visual diarization research. Limitations: Zoom and Microsoft Teams layouts only; ' +
      'English; 2 to 9 participants; mostly internal corporate meetings. Research use only: no commercial use, redistribution ' +
      'or synthetic generation.',
    kind: 'REAL',
    modality: 'VIDEO',
    tags: ['meetings', 'diarization', 'audio-visual', 'video'],
    terms: RESEARCH_ONLY,
    format: 'webdataset',
    provenance: {
      collectionMethod: 'DIRECT_MEASUREMENT',
      collectionDescription:
        'Remote meetings recorded by companies in a meeting-panel programme, with per-meeting opt-in from every participant.',
      consentBasis: 'EXPLICIT_CONSENT',
      curation: [{ kind: 'PII_SCRUB', rowsIn: 3_285, rowsOut: 3_285, notes: 'Tracks of non-consenting attendees removed, faces blurred.' }],
    },
    columns: [
      { name: 'meeting_id', type: 'string' },
      { name: 'video', type: 'video', description: 'H.264, 1280x720, 25 fps.' },
      { name: 'duration_s', type: 'float32' },
      { name: 'participants', type: 'int8' },
      { name: 'transcript', type: 'string' },
      { name: 'rttm', type: 'string' },
      { name: 'slide_changes', type: 'list<float32>' },
    ],
    sample: [
      {
        meeting_id: 'mtg-0410-0077',
        video: 'mtg-0410-0077.mp4',
        duration_s: 2688.0,
        participants: 5,
        transcript: 'A: Okay, I think everyone is here. Let us start with the Q3 roadmap. B: Before that, quick update on the migration...',
        rttm: 'SPEAKER mtg-0410-0077 1 3.20 4.85 <NA> <NA> A <NA> <NA>',
        slide_changes: [312.5, 401.0, 655.2],
      },
      {
        meeting_id: 'mtg-1203-0012',
        video: 'mtg-1203-0012.mp4',
        duration_s: 1803.5,
        participants: 2,
        transcript: 'A: Thanks for making time. I wanted to go over the interview feedback. B: Sure, go ahead...',
        rttm: 'SPEAKER mtg-1203-0012 1 0.90 3.10 <NA> <NA> A <NA> <NA>',
        slide_changes: [],
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release.',
        files: shards('shards/train', 80, 'tar', 3_285, 490 * MB),
      },
    ],
  },
];

// --- Synthetica Labs: synthetic data and its sources -----------------------

/** Languages of the multilingual instruction pairs, in the order they were added. */
const INSTRUCTION_LANGUAGES = [
  'en',
  'de',
  'es',
  'fr',
  'it',
  'pt',
  'ja',
  'ko',
  'zh',
  'ar',
  'hi',
  'id',
  'tr',
  'pl',
  'nl',
  'vi',
  'th',
  'uk',
  'yo',
  'km',
];

const SYNTHETICA: DemoDataset[] = [
  {
    slug: 'math-word-problems-synthetic',
    title: 'Synthetic Math Word Problems with Verified Solutions',
    summary: '2.1M grade-school to early-college word problems with step-by-step solutions verified by program execution.',
    description:
      'Generated by Qwen2.5-72B-Instruct from 7,500 seed topics derived from public curriculum standards; no benchmark questions ' +
      'were used as seeds. Each problem comes with a natural-language solution and a Python program; a problem is kept only when ' +
      "the program's result matches the stated answer and a second model, solving independently, agrees. Problems were " +
      'decontaminated against GSM8K, MATH, SVAMP and other public benchmarks with 13-gram overlap, and near-duplicates were ' +
      'removed with MinHash. Math teachers reviewed a 1% sample and found errors in 2.4% of it. About 2.1 million problems ' +
      'across five difficulty levels (1.8 GB of Parquet). Intended for reasoning fine-tuning and as a source for curricula. ' +
      'Limitations: one synthetic generation deep; problems are stylistically uniform; a verified final answer can still hide a ' +
      'flawed intermediate step. Apache-2.0, attribution via the NOTICE file.',
    kind: 'SYNTHETIC',
    modality: 'TEXT',
    tags: ['synthetic', 'math', 'reasoning', 'llm-generated'],
    terms: APACHE_2,
    format: 'parquet',
    provenance: {
      method: 'LLM_GENERATION',
      generator: {
        model: 'Qwen2.5-72B-Instruct',
        version: '2.5',
        provider: 'Alibaba Cloud (open weights, self-hosted)',
        parameters: { temperature: 0.7, top_p: 0.95 },
      },
      realFraction: 0,
      curation: [
        {
          kind: 'QUALITY_CLASSIFIER',
          rowsIn: 2_650_000,
          rowsOut: 2_180_000,
          notes: 'Kept when the program output matches the answer and a second model agrees.',
        },
        { kind: 'DEDUP', rowsIn: 2_180_000, rowsOut: 2_100_000, notes: 'MinHash near-duplicates.' },
        { kind: 'DECONTAMINATION', rowsIn: 2_100_000, rowsOut: 2_069_000, notes: '13-gram overlap with public benchmarks.' },
        { kind: 'HUMAN_REVIEW', rowsIn: 2_069_000, rowsOut: 2_069_000, reviewedFraction: 0.01 },
      ],
    },
    columns: [
      { name: 'problem_id', type: 'string' },
      { name: 'level', type: 'int8', description: '1 (grade school) to 5 (early college).' },
      { name: 'problem', type: 'string' },
      { name: 'solution', type: 'string' },
      { name: 'program', type: 'string' },
      { name: 'answer', type: 'string' },
      { name: 'verified', type: 'bool' },
    ],
    sample: [
      {
        problem_id: 'mwp-1044172',
        level: 1,
        problem: 'A bakery sells muffins in boxes of 6. Priya needs 40 muffins for a party. How many boxes must she buy?',
        solution: '40 / 6 = 6 remainder 4, so 6 boxes hold only 36 muffins. She needs one more box: 7 boxes.',
        program: 'import math\nprint(math.ceil(40 / 6))',
        answer: '7',
        verified: true,
      },
      {
        problem_id: 'mwp-1880931',
        level: 4,
        problem:
          'A tank drains at a rate proportional to the volume left. It goes from 800 L to 200 L in 6 hours. How long until 50 L remain?',
        solution: 'The volume quarters every 6 hours. From 200 L to 50 L is another quartering, so 6 more hours: 12 hours from the start.',
        program: 'import math\nk = math.log(4) / 6\nprint(round(math.log(800 / 50) / k, 2))',
        answer: '12',
        verified: true,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 800k problems, grade-school level.',
        columns: [
          { name: 'problem_id', type: 'string' },
          { name: 'problem', type: 'string' },
          { name: 'solution', type: 'string' },
          { name: 'program', type: 'string' },
          { name: 'answer', type: 'string' },
          { name: 'verified', type: 'bool' },
        ],
        sample: [
          {
            problem_id: 'mwp-0000417',
            problem: 'Tom has 3 times as many stickers as Ana. Together they have 48. How many does Tom have?',
            solution: 'Ana has x and Tom 3x, so 4x = 48 and x = 12. Tom has 36.',
            program: 'x = 48 / 4\nprint(int(3 * x))',
            answer: '36',
            verified: true,
          },
          {
            problem_id: 'mwp-0301266',
            problem: 'A train travels 180 km in 2.5 hours. What is its average speed in km/h?',
            solution: '180 / 2.5 = 72 km/h.',
            program: 'print(180 / 2.5)',
            answer: '72',
            verified: true,
          },
        ],
        files: shards('data/train', 2, 'parquet', 800_000, 820),
      },
      {
        version: '1.1.0',
        changelog: 'Added levels 2-5 (2.1M problems in total) and the `level` column.',
        files: [...shards('data/train', 4, 'parquet', 2_080_000, 870), ...shards('data/test', 1, 'parquet', 20_000, 870)],
      },
      {
        version: '1.2.0',
        changelog: 'Removed 31k problems found to overlap newly published benchmarks (AIME 2024, Omni-MATH) during decontamination.',
        files: [...shards('data/train', 4, 'parquet', 2_049_000, 870), ...shards('data/test', 1, 'parquet', 20_000, 870)],
      },
    ],
  },
  {
    slug: 'synthetic-patient-encounters',
    title: 'Synthetic Patient Encounters (EHR-like, Differentially Private)',
    summary: '5M synthetic outpatient encounters with diagnoses, labs and medications, generated under differential privacy (epsilon 3).',
    description:
      'Generated with a tabular diffusion model trained with differentially private SGD (epsilon 3, delta 1e-6) on de-identified ' +
      'outpatient encounters from a partner hospital network, under a data use agreement that permits privacy-preserving ' +
      'synthesis; no real record is released. Privacy was evaluated with distance-to-closest-record and membership-inference ' +
      'attacks (attack AUC 0.51); fidelity with total-variation distance below 0.03 on every column and preserved pairwise ' +
      'correlations between diagnosis chapters and age. About 5 million encounters of 1.2 million synthetic patients (3.1 GB of ' +
      'Parquet). Intended for prototyping clinical ML pipelines, teaching, and testing software against realistic data. ' +
      'Limitations: diagnoses seen in fewer than 50 real patients are suppressed; visit sequences per patient are only ' +
      'approximately consistent; not for clinical decision-making or epidemiological inference.',
    kind: 'SYNTHETIC',
    modality: 'TABULAR',
    tags: ['synthetic', 'healthcare', 'ehr', 'differential-privacy'],
    terms: commercial({ attributionRequired: true }),
    format: 'parquet',
    provenance: {
      method: 'PRIVACY_PRESERVING_SYNTHESIS',
      generator: {
        model: 'TabDDPM trained with DP-SGD',
        version: '2.0',
        provider: 'Synthetica Labs',
        parameters: { epsilon: 3, delta: 1e-6 },
      },
      realFraction: 0,
      curation: [{ kind: 'DEDUP', rowsIn: 5_004_000, rowsOut: 5_000_000 }],
    },
    columns: [
      { name: 'encounter_id', type: 'string' },
      { name: 'patient_id', type: 'string', description: 'Synthetic patient; not linkable to any real person.' },
      { name: 'age_band', type: 'string' },
      { name: 'sex', type: 'string' },
      { name: 'encounter_date', type: 'date32' },
      { name: 'icd10_codes', type: 'list<string>' },
      { name: 'lab_results', type: 'map<string,float32>', description: 'LOINC code to value.' },
      { name: 'medications', type: 'list<string>', description: 'RxNorm ingredient names.' },
    ],
    sample: [
      {
        encounter_id: 'spe-03318902',
        patient_id: 'sp-0884217',
        age_band: '60-64',
        sex: 'F',
        encounter_date: '2022-09-14',
        icd10_codes: ['E11.9', 'I10'],
        lab_results: { '4548-4': 7.4, '2160-0': 0.9 },
        medications: ['metformin', 'lisinopril'],
      },
      {
        encounter_id: 'spe-00419277',
        patient_id: 'sp-0107530',
        age_band: '25-29',
        sex: 'M',
        encounter_date: '2021-03-02',
        icd10_codes: ['J06.9'],
        lab_results: {},
        medications: [],
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release, trained with epsilon 8.',
        provenance: {
          generator: {
            model: 'TabDDPM trained with DP-SGD',
            version: '1.0',
            provider: 'Synthetica Labs',
            parameters: { epsilon: 8, delta: 1e-6 },
          },
        },
        files: shards('data/encounters', 4, 'parquet', 5_000_000, 620),
      },
      {
        version: '2.0.0',
        changelog:
          'Retrained with a tighter privacy budget (epsilon 3 instead of 8) and rare-diagnosis suppression; all rows regenerated. ' +
          'Membership-inference AUC fell from 0.56 to 0.51.',
        files: shards('data/encounters', 4, 'parquet', 5_000_000, 620),
      },
    ],
  },
  {
    slug: 'synthetic-card-fraud',
    title: 'Simulated Card Transactions with Fraud Labels',
    summary: '300M card transactions from an agent-based simulation of 2M cardholders, 80k merchants and 18 fraud patterns.',
    description:
      'Produced by an agent-based simulator calibrated only on published aggregate statistics (ECB payment statistics, card-scheme ' +
      'fraud reports and merchant-category mixes); no real transaction records were used, so the data has no source datasets. ' +
      'Cardholders, merchants and fraudsters follow behavioural models with daily, weekly and seasonal cycles, travel, card ' +
      'replacement and chargebacks; fraud patterns include card testing, account takeover, skimming and authorised push payment ' +
      'scams. Labels are exact. About 300 million transactions over 24 simulated months (12 GB of Parquet, partitioned by ' +
      'year). Intended for fraud model development and benchmarking streaming feature pipelines. Limitations: only the fraud ' +
      'patterns the simulator encodes, so novel attacks are absent; merchant mix approximates the euro area.',
    kind: 'SYNTHETIC',
    modality: 'TABULAR',
    tags: ['synthetic', 'fraud-detection', 'finance', 'simulation'],
    terms: CC_BY_4,
    format: 'parquet',
    provenance: {
      method: 'SIMULATION',
      generator: {
        model: 'Synthetica PaySim-EU agent-based simulator',
        version: '2.0',
        provider: 'Synthetica Labs',
        parameters: { cardholders: 2_000_000, merchants: 80_000, fraud_patterns: 18 },
      },
      realFraction: 0,
    },
    columns: [
      { name: 'txn_id', type: 'string' },
      { name: 'ts', type: 'timestamp[ms]' },
      { name: 'card_id', type: 'string' },
      { name: 'merchant_id', type: 'string' },
      { name: 'mcc', type: 'int16', description: 'ISO 18245 merchant category code.' },
      { name: 'amount_eur', type: 'decimal(10,2)' },
      { name: 'channel', type: 'string' },
      { name: 'is_fraud', type: 'bool' },
    ],
    sample: [
      {
        txn_id: 'sct-000918274411',
        ts: '2024-03-08T19:22:41.512Z',
        card_id: 'c-1882071',
        merchant_id: 'm-044120',
        mcc: 5411,
        amount_eur: '63.18',
        channel: 'chip',
        is_fraud: false,
      },
      {
        txn_id: 'sct-000918274412',
        ts: '2024-03-08T19:22:44.003Z',
        card_id: 'c-0092113',
        merchant_id: 'm-071932',
        mcc: 5816,
        amount_eur: '1.00',
        channel: 'ecommerce',
        is_fraud: true,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 12 simulated months, 10 fraud patterns.',
        files: partitions('data', 'year', [[2023, 148_000_000]], 12, 'parquet', 40),
      },
      {
        version: '1.1.0',
        changelog: 'Extended to 24 months and recalibrated e-commerce share to 2023 ECB figures.',
        files: partitions(
          'data',
          'year',
          [
            [2023, 148_000_000],
            [2024, 152_000_000],
          ],
          12,
          'parquet',
          40,
        ),
      },
      {
        version: '2.0.0',
        changelog: 'Added 8 fraud patterns, including authorised push payment scams and card testing bursts; all months regenerated.',
        files: partitions(
          'data',
          'year',
          [
            [2023, 149_200_000],
            [2024, 153_100_000],
          ],
          12,
          'parquet',
          40,
        ),
      },
    ],
  },
  {
    slug: 'code-review-comments',
    title: 'Code Review Comments from Permissively Licensed Repositories',
    summary: '4.8M pull-request review comments with the diff hunk they refer to, from 31k MIT, Apache and BSD repositories.',
    description:
      'Crawled from the public pull requests of GitHub repositories whose licence file was MIT, Apache-2.0 or BSD at collection ' +
      'time. Each row pairs a review comment with the diff hunk it was left on; commenter logins are replaced by stable salted ' +
      'hashes, bot comments are removed, and repositories or users who asked to be excluded are dropped at every release (the ' +
      'opt-out list is public). Comments remain attributable through the pull request URL. About 4.8 million comments in 40 ' +
      'programming languages (6.3 GB of Parquet). Intended for code review automation, review comment generation and defect ' +
      'localisation, and as seed material for synthetic code data. Limitations: skewed toward popular JavaScript, Python and Go ' +
      'projects; English dominates; comment text remains subject to GitHub terms. Database released under ODC-By.',
    kind: 'REAL',
    modality: 'CODE',
    tags: ['code-review', 'github', 'software-engineering'],
    terms: ODC_BY,
    format: 'parquet',
    provenance: {
      collectionMethod: 'WEB_SCRAPING',
      collectionDescription:
        'Crawled from public pull-request pages (and their REST API views) of repositories licensed MIT, Apache-2.0 or BSD at ' +
        'collection time, honouring robots.txt, TDMRep and AI-preference signals; opt-out list applied each release.',
      consentBasis: 'PUBLIC_DATA',
      curation: [
        { kind: 'QUALITY_CLASSIFIER', rowsIn: 5_390_000, rowsOut: 4_812_000, notes: 'Bot comments removed.' },
        { kind: 'PII_SCRUB', rowsIn: 4_812_000, rowsOut: 4_763_000, notes: 'Logins hashed; opted-out users and repositories removed.' },
      ],
    },
    optOutEvidence: [
      {
        signal: 'ROBOTS_TXT',
        url: 'https://github.com/robots.txt',
        read: 'User-agent: *\nDisallow: /*/pulse\nDisallow: /*/tree/\nDisallow: /*/blame/\nAllow: /*/pull/\n',
        value: 'User-agent: * / Allow: /*/pull/ (pull-request pages not disallowed)',
        reserved: false,
      },
      {
        signal: 'TDMREP',
        url: 'https://github.com/.well-known/tdmrep.json',
        read: '[{"location":"/*","tdm-reservation":0}]',
        value: '0',
        reserved: false,
      },
      {
        signal: 'AI_PREFERENCES',
        url: 'https://github.com/',
        read: 'Content-Usage: train-ai=y, search=y',
        value: 'train-ai=y, search=y',
        reserved: false,
      },
    ],
    columns: [
      { name: 'comment_id', type: 'int64' },
      { name: 'repo', type: 'string' },
      { name: 'language', type: 'string' },
      { name: 'diff_hunk', type: 'string' },
      { name: 'comment', type: 'string' },
      { name: 'pr_url', type: 'string' },
      { name: 'created_at', type: 'timestamp[s]' },
    ],
    sample: [
      {
        comment_id: 1418822093,
        repo: 'pallets/click',
        language: 'Python',
        diff_hunk:
          '@@ -210,7 +210,9 @@ def resolve_envvar_value(self, ctx):\n-        rv = os.environ.get(self.envvar)\n+        rv = os.environ.get(self.envvar) or None',
        comment: 'An empty string is a valid value here; `or None` would turn `FOO=` into unset. Can we check `is not None` instead?',
        pr_url: 'https://github.com/pallets/click/pull/2561',
        created_at: '2023-06-12T14:03:27Z',
      },
      {
        comment_id: 1630051177,
        repo: 'grafana/k6',
        language: 'Go',
        diff_hunk: '@@ -88,6 +88,10 @@ func (r *Runner) Setup(ctx context.Context) error {\n+\tdefer cancel()',
        comment: 'nit: this cancel is already deferred a few lines above.',
        pr_url: 'https://github.com/grafana/k6/pull/3390',
        created_at: '2023-11-20T09:41:02Z',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 3.1M comments from pull requests merged 2015-2022.',
        files: shards('data/train', 8, 'parquet', 3_100_000, 1_310),
      },
      {
        version: '1.1.0',
        changelog: 'Added pull requests from 2023 and early 2024 (4.8M comments in total).',
        files: shards('data/train', 12, 'parquet', 4_812_000, 1_310),
      },
      {
        version: '1.2.0',
        changelog: 'Applied the opt-out list of October 2024: removed 212 repositories and 1,409 users (49k comments).',
        files: shards('data/train', 12, 'parquet', 4_763_000, 1_310),
      },
    ],
  },
  {
    slug: 'python-functions-with-tests',
    title: 'Python Functions with Unit Tests (Execution-Verified)',
    summary: '650k self-contained Python functions with docstrings and pytest suites, all passing in a sandbox.',
    description:
      'Generated by DeepSeek-Coder-V2-Instruct, prompted with 40,000 function signatures and docstrings sampled from the diff hunks ' +
      "of Synthetica's Code Review Comments dataset (permissively licensed repositories) and from standard-library idioms. For each " +
      'prompt the model wrote a function and a pytest suite, which were executed in a gVisor sandbox on Python 3.12; a pair was ' +
      'kept only if all tests pass, branch coverage is at least 80% and the mutation score at least 0.6. Near-duplicates were ' +
      'removed, and a licence scanner dropped any output matching GPL code verbatim. About 650,000 function-test pairs (1.4 GB ' +
      'of Parquet). Intended for code generation and test generation fine-tuning. Limitations: standard library only, no I/O ' +
      'or concurrency, short functions (median 18 lines); tests verify behaviour the model itself chose; since 1.1.0 part of ' +
      'the data was generated from earlier synthetic functions, so mix with real code.',
    kind: 'SYNTHETIC',
    modality: 'CODE',
    tags: ['synthetic', 'python', 'code-generation', 'unit-tests'],
    terms: APACHE_2,
    format: 'parquet',
    provenance: {
      method: 'LLM_GENERATION',
      generator: {
        model: 'DeepSeek-Coder-V2-Instruct',
        version: 'V2',
        provider: 'DeepSeek (open weights, self-hosted)',
        parameters: { temperature: 0.8 },
      },
      sources: [
        { dataset: 'synthetica-labs/code-review-comments', version: '1.1.0', role: 'SEED', rowsUsed: 40_000 },
        { dataset: 'synthetica-labs/python-functions-with-tests', version: '1.0.0', role: 'SEED', rowsUsed: 120_000 },
      ],
      realFraction: 0,
      curation: [
        {
          kind: 'QUALITY_CLASSIFIER',
          rowsIn: 1_210_000,
          rowsOut: 720_000,
          notes: 'All tests pass, branch coverage >= 80%, mutation score >= 0.6.',
        },
        { kind: 'DEDUP', rowsIn: 720_000, rowsOut: 661_000 },
        { kind: 'DECONTAMINATION', rowsIn: 661_000, rowsOut: 650_000, notes: 'Licence scanner: verbatim GPL matches dropped.' },
      ],
    },
    columns: [
      { name: 'task_id', type: 'string' },
      { name: 'signature', type: 'string' },
      { name: 'docstring', type: 'string' },
      { name: 'solution', type: 'string' },
      { name: 'tests', type: 'string' },
      { name: 'coverage', type: 'float32' },
      { name: 'mutation_score', type: 'float32' },
    ],
    sample: [
      {
        task_id: 'pyf-0218841',
        signature: 'def chunked(items: list, size: int) -> list[list]:',
        docstring: 'Split items into consecutive chunks of at most size elements.',
        solution:
          'def chunked(items, size):\n    if size < 1:\n        raise ValueError("size must be positive")\n    return [items[i:i + size] for i in range(0, len(items), size)]',
        tests:
          'def test_chunked():\n    assert chunked([1, 2, 3], 2) == [[1, 2], [3]]\n    assert chunked([], 3) == []\n    with pytest.raises(ValueError):\n        chunked([1], 0)',
        coverage: 1.0,
        mutation_score: 0.83,
      },
      {
        task_id: 'pyf-0577102',
        signature: 'def parse_duration(text: str) -> int:',
        docstring: 'Parse durations like "1h30m" or "45s" into seconds.',
        solution:
          'import re\n\ndef parse_duration(text):\n    parts = re.fullmatch(r"(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?", text)\n    if not parts or not text:\n        raise ValueError(text)\n    h, m, s = (int(p or 0) for p in parts.groups())\n    return h * 3600 + m * 60 + s',
        tests:
          'def test_parse_duration():\n    assert parse_duration("1h30m") == 5400\n    assert parse_duration("45s") == 45\n    with pytest.raises(ValueError):\n        parse_duration("")',
        coverage: 0.92,
        mutation_score: 0.71,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 380k pairs.',
        provenance: {
          sources: [{ dataset: 'synthetica-labs/code-review-comments', version: '1.0.0', role: 'SEED', rowsUsed: 40_000 }],
          curation: [
            { kind: 'QUALITY_CLASSIFIER', rowsIn: 690_000, rowsOut: 415_000, notes: 'All tests pass and branch coverage >= 80%.' },
            { kind: 'DEDUP', rowsIn: 415_000, rowsOut: 380_000 },
          ],
        },
        files: shards('data/train', 2, 'parquet', 380_000, 2_150),
      },
      {
        version: '1.1.0',
        changelog:
          'Added 270k pairs generated with 1.0.0 functions as few-shot seeds (so part of this release is two synthetic generations ' +
          'deep) and a mutation-score filter (>= 0.6), applied retroactively; 650k pairs in total.',
        files: [...shards('data/train', 3, 'parquet', 640_000, 2_150), ...shards('data/test', 1, 'parquet', 10_000, 2_150)],
      },
    ],
  },
  {
    slug: 'multilingual-instructions',
    title: 'Multilingual Instruction Pairs, Human-Seeded and Machine-Translated',
    summary: '1.6M instruction-response pairs in 20 languages: 80k human-written originals, machine-translated, 15% post-edited.',
    description:
      "The 80,000 English originals were written by Synthetica's paid contractors, who assigned their rights to Synthetica. They " +
      'were translated into 19 languages with NLLB-200 (3.3B) followed by a GPT-4o-mini refinement pass, and native-speaker ' +
      'editors post-edited 15% of the translations; culture-specific items (recipes, holidays, units, names) were localised rather ' +
      'than translated literally. Translations scoring below 0.75 on COMET-Kiwi were dropped. Each row records whether it is an ' +
      'original, a machine translation or a post-edited translation, so buyers can weight or filter by origin. About 1.6 million ' +
      'pairs (2.4 GB of Parquet, one file per language). Intended for multilingual instruction tuning. Limitations: translationese; ' +
      'Yoruba and Khmer are noticeably weaker; responses keep an English-speaking cultural frame.',
    kind: 'HYBRID',
    modality: 'TEXT',
    tags: ['instruction-tuning', 'multilingual', 'translation', 'llm'],
    terms: CC_BY_4,
    format: 'parquet',
    provenance: {
      method: 'TRANSLATION',
      generator: {
        model: 'NLLB-200 3.3B',
        version: '3.3B',
        provider: 'Meta (open weights, self-hosted)',
        parameters: { refinement: 'GPT-4o mini' },
      },
      realFraction: 0.05,
      curation: [
        { kind: 'QUALITY_CLASSIFIER', rowsIn: 1_680_000, rowsOut: 1_581_000, notes: 'COMET-Kiwi below 0.75 dropped.' },
        { kind: 'HUMAN_REVIEW', rowsIn: 1_581_000, rowsOut: 1_581_000, reviewedFraction: 0.15, notes: 'Native-speaker post-editing.' },
      ],
    },
    columns: [
      { name: 'pair_id', type: 'string' },
      { name: 'language', type: 'string' },
      { name: 'instruction', type: 'string' },
      { name: 'response', type: 'string' },
      { name: 'origin', type: 'string', description: 'human, machine_translated or post_edited.' },
      { name: 'comet_kiwi', type: 'float32', description: 'Null for human originals.' },
    ],
    sample: [
      {
        pair_id: 'mip-en-004112',
        language: 'en',
        instruction: 'Write a polite email asking my landlord to fix a leaking kitchen tap.',
        response:
          'Subject: Leaking kitchen tap\n\nDear Ms Patel,\n\nI hope you are well. The kitchen tap in flat 4 has been dripping constantly since Monday...',
        origin: 'human',
        comet_kiwi: null,
      },
      {
        pair_id: 'mip-es-004112',
        language: 'es',
        instruction: 'Escribe un correo educado pidiendo a mi casero que arregle el grifo de la cocina, que gotea.',
        response:
          'Asunto: Grifo de la cocina que gotea\n\nEstimada Sra. Patel:\n\nEspero que se encuentre bien. El grifo de la cocina del piso 4 gotea sin parar desde el lunes...',
        origin: 'post_edited',
        comet_kiwi: 0.86,
      },
      {
        pair_id: 'mip-id-019930',
        language: 'id',
        instruction: 'Jelaskan perbedaan antara cuaca dan iklim dalam dua kalimat.',
        response:
          'Cuaca adalah kondisi atmosfer dalam jangka pendek di suatu tempat. Iklim adalah pola rata-rata cuaca di wilayah itu selama puluhan tahun.',
        origin: 'machine_translated',
        comet_kiwi: 0.81,
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: English plus 9 languages (800k pairs).',
        provenance: { realFraction: 0.1 },
        sample: [
          {
            pair_id: 'mip-en-004112',
            language: 'en',
            instruction: 'Write a polite email asking my landlord to fix a leaking kitchen tap.',
            response:
              'Subject: Leaking kitchen tap\n\nDear Ms Patel,\n\nI hope you are well. The kitchen tap in flat 4 has been dripping constantly since Monday...',
            origin: 'human',
            comet_kiwi: null,
          },
          {
            pair_id: 'mip-de-004112',
            language: 'de',
            instruction: 'Schreibe eine höfliche E-Mail, in der ich meine Vermieterin bitte, den tropfenden Küchenhahn zu reparieren.',
            response:
              'Betreff: Tropfender Küchenhahn\n\nSehr geehrte Frau Patel,\n\nich hoffe, es geht Ihnen gut. Der Küchenhahn in Wohnung 4 tropft seit Montag ununterbrochen...',
            origin: 'mt_pe',
            comet_kiwi: 0.88,
          },
        ],
        files: INSTRUCTION_LANGUAGES.slice(0, 10).map((lang) => file(`data/${lang}/train.parquet`, 80_000, 1_500)),
      },
      {
        version: '2.0.0',
        changelog:
          'Added Hindi, Indonesian, Turkish, Polish, Dutch, Vietnamese, Thai, Ukrainian, Yoruba and Khmer (1.6M pairs); ' +
          'breaking: `origin` values renamed from mt/mt_pe to machine_translated/post_edited.',
        files: INSTRUCTION_LANGUAGES.map((lang) => file(`data/${lang}/train.parquet`, lang === 'en' ? 80_000 : 79_000, 1_500)),
      },
    ],
  },
  {
    slug: 'synthetic-chart-qa',
    title: 'Synthetic Chart Images with Question-Answer Pairs',
    summary: '900k rendered bar, line, scatter and pie charts from SEC and generated tables, with 2.7M verified question-answer pairs.',
    description:
      "Half of the tables are built from real figures in Northwind's SEC 10-K Financial Statement Facts (CC0); the other half " +
      'were generated by Llama 3.1 70B Instruct from 3,000 topic prompts and checked for plausibility (ranges, totals, ' +
      'monotonic series where expected). Charts were rendered from the tables with Vega-Lite and matplotlib under randomised ' +
      'styles, fonts, legends and colour maps. Questions come from templates (lookups, comparisons, extremes, trends) and from the ' +
      'LLM (multi-step reasoning); every answer was recomputed from the source table and pairs that disagreed were dropped. ' +
      'Reviewers checked 0.5% of pairs. About 900,000 charts with 2.7 million question-answer pairs (one row per pair), 61 GB of ' +
      'WebDataset shards. Intended for chart understanding in vision-language models. Limitations: clean digital renders only, ' +
      'no scanned or photographed charts; LLM-generated tables can contain implausible trends; one synthetic generation deep.',
    kind: 'SYNTHETIC',
    modality: 'MULTIMODAL',
    tags: ['synthetic', 'charts', 'visual-qa', 'vision-language'],
    terms: CC_BY_4,
    format: 'webdataset',
    provenance: {
      method: 'LLM_GENERATION',
      generator: {
        model: 'Llama 3.1 70B Instruct',
        version: '3.1',
        provider: 'Meta (open weights, self-hosted)',
        parameters: { renderers: ['vega-lite', 'matplotlib'] },
      },
      sources: [{ dataset: 'northwind-data/sec-financial-statements', version: '1.1.0', role: 'SEED', rowsUsed: 2_400_000 }],
      realFraction: 0,
      curation: [
        { kind: 'QUALITY_CLASSIFIER', rowsIn: 2_950_000, rowsOut: 2_700_000, notes: 'Answers recomputed from the source table.' },
        { kind: 'HUMAN_REVIEW', rowsIn: 2_700_000, rowsOut: 2_700_000, reviewedFraction: 0.005 },
      ],
    },
    columns: [
      { name: 'chart_id', type: 'string' },
      { name: 'image', type: 'image', description: 'PNG, 800x600 to 1600x1200.' },
      { name: 'chart_type', type: 'string' },
      { name: 'table_csv', type: 'string' },
      { name: 'question', type: 'string' },
      { name: 'answer', type: 'string' },
      { name: 'answer_type', type: 'string' },
    ],
    sample: [
      {
        chart_id: 'scq-0412201',
        image: 'scq-0412201.png',
        chart_type: 'bar',
        table_csv: 'country,bike_lanes_km\nNetherlands,35000\nDenmark,12000\nGermany,75000',
        question: 'Which country has the second-longest network of bike lanes?',
        answer: 'Netherlands',
        answer_type: 'lookup',
      },
      {
        chart_id: 'scq-0770318',
        image: 'scq-0770318.png',
        chart_type: 'line',
        table_csv: 'year,subscribers_m\n2019,4.1\n2020,6.8\n2021,7.9\n2022,7.2',
        question: 'By how many million did subscribers change from the peak year to 2022?',
        answer: '-0.7',
        answer_type: 'numeric',
      },
    ],
    versions: [
      {
        version: '1.0.0',
        changelog: 'First release: 500k bar and line charts, 1.5M QA pairs.',
        provenance: {
          sources: [{ dataset: 'northwind-data/sec-financial-statements', version: '1.0.0', role: 'SEED', rowsUsed: 1_300_000 }],
        },
        files: shards('shards/train', 20, 'tar', 1_500_000, 22 * KB),
      },
      {
        version: '1.1.0',
        changelog: 'Added scatter and pie charts (900k charts, 2.7M QA pairs) and a held-out test split with unseen topics.',
        files: [...shards('shards/train', 36, 'tar', 2_640_000, 22 * KB), ...shards('shards/test', 1, 'tar', 60_000, 22 * KB)],
      },
    ],
  },
];

export const DEMO_VENDORS: DemoVendor[] = [
  {
    // First: the demo vendor key belongs to its owner.
    slug: 'northwind-data',
    name: 'Northwind Data',
    owner: { name: 'Nadia Okafor', email: 'nadia@northwind.example' },
    members: [{ name: 'Tomasz Nowak', email: 'tomasz@northwind.example' }],
    datasets: NORTHWIND,
  },
  {
    slug: 'lumen-vision',
    name: 'Lumen Vision Labs',
    owner: { name: 'Kenji Watanabe', email: 'kenji@lumenvision.example' },
    datasets: LUMEN,
  },
  {
    slug: 'cadence-audio',
    name: 'Cadence Audio',
    owner: { name: 'Lucía Fernández', email: 'lucia@cadence-audio.example' },
    datasets: CADENCE,
  },
  {
    slug: 'synthetica-labs',
    name: 'Synthetica Labs',
    owner: { name: 'Priya Raman', email: 'priya@synthetica.example' },
    datasets: SYNTHETICA,
  },
];
