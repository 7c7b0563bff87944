/** The demo catalog: vendors and their datasets, as a newcomer would expect a real marketplace to look. */

export interface DemoTerms {
  spdxId: string | null;
  commercialUse: boolean;
  modelTraining: boolean;
  derivatives: boolean;
  syntheticGeneration: boolean;
  redistribution: boolean;
  attributionRequired: boolean;
}

export interface DemoVersion {
  version: string;
  changelog: string;
  format: string;
  files: { path: string; byteSize: number; rowCount: number }[];
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
  columns: { name: string; type: string; description?: string }[];
  sample: Record<string, unknown>[];
  versions: DemoVersion[];
}

export interface DemoVendor {
  slug: string;
  name: string;
  owner: { name: string; email: string };
  datasets: DemoDataset[];
}

const OPEN: DemoTerms = {
  spdxId: 'CC-BY-4.0',
  commercialUse: true,
  modelTraining: true,
  derivatives: true,
  syntheticGeneration: true,
  redistribution: true,
  attributionRequired: true,
};

export const DEMO_VENDORS: DemoVendor[] = [
  {
    slug: 'northwind-data',
    name: 'Northwind Data',
    owner: { name: 'Nadia Okafor', email: 'nadia@northwind.example' },
    datasets: [
      {
        slug: 'support-tickets-en',
        title: 'Customer Support Tickets (English)',
        summary: 'Anonymised customer support conversations with resolution labels.',
        description: 'Real support tickets from SaaS help desks, PII-scrubbed and consented under the vendor agreements.',
        kind: 'REAL',
        modality: 'TEXT',
        tags: ['support', 'dialogue', 'english'],
        terms: OPEN,
        columns: [
          { name: 'ticket_id', type: 'string' },
          { name: 'text', type: 'string' },
          { name: 'resolution', type: 'string' },
        ],
        sample: [{ ticket_id: 'T-1', text: 'My invoice shows the wrong VAT number.', resolution: 'billing_fixed' }],
        versions: [
          { version: '1.0.0', changelog: 'First release.', format: 'parquet', files: [{ path: 'data/train.parquet', byteSize: 52_428_800, rowCount: 120_000 }] },
        ],
      },
    ],
  },
];
