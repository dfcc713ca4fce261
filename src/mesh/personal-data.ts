import type { CapturedTable } from '../plugin/index.ts';
import type { Classification } from './product-model.ts';

// Suggestions of columns that likely hold personal data, by column name and comment. They are only
// suggestions: the owner confirms or rejects each, and a product cannot be published while any is
// still open. A comment can also say so outright ("[pii]", "personal data", "GDPR").

interface Rule {
  category: string;
  name: RegExp;
  comment: RegExp;
}

const RULES: Rule[] = [
  { category: 'email', name: /(^|_)e?mail(_?address)?($|_)/i, comment: /e-?mail/i },
  {
    category: 'phone',
    name: /(^|_)(phone|mobile|cell|fax|tel|telephone|msisdn)($|_)/i,
    comment: /phone|mobile number/i,
  },
  {
    category: 'name',
    name: /(^|_)(first|last|given|family|middle|full|sur|maiden|display|contact|customer|person)_?name($|_)|^name$/i,
    comment: /\b(full|first|last|given|family) name\b|person'?s name/i,
  },
  {
    category: 'address',
    name: /(^|_)(address|street|addr|postcode|post_code|postal_code|zip|zip_code|city)($|_)/i,
    comment: /\b(postal|street|home) address\b/i,
  },
  {
    category: 'birth-date',
    name: /(^|_)(birth|dob|birthday|date_of_birth|birth_date|birthdate)($|_)/i,
    comment: /birth/i,
  },
  {
    category: 'national-id',
    name: /(^|_)(ssn|social_security|national_id|passport|tax_id|tin|nin|id_number|driver_?licen[cs]e)($|_)/i,
    comment: /social security|passport|national id|tax id/i,
  },
  {
    category: 'card-number',
    name: /(^|_)(card|cc|credit_card|pan|iban|account_number)(_?(no|num|number))?($|_)/i,
    comment: /card number|credit card|iban/i,
  },
  {
    category: 'ip-address',
    name: /(^|_)(ip|ip_addr|ip_address|client_ip|remote_addr)($|_)/i,
    comment: /ip address/i,
  },
];

const EXPLICIT = /\[pii\]|personal data|personally identifiable|\bgdpr\b|\bpii\b/i;

/** Suggestions for every captured column that looks like personal data. */
export function suggestClassifications(tables: readonly CapturedTable[]): Classification[] {
  const suggestions: Classification[] = [];
  for (const table of tables) {
    for (const column of table.columns) {
      const found = classify(column.name, column.comment);
      if (!found) continue;
      suggestions.push({
        column: `${table.namespace}.${table.name}.${column.name}`,
        category: found.category,
        reason: found.reason,
        state: 'suggested',
      });
    }
  }
  return suggestions;
}

export function classify(
  name: string,
  comment: string | undefined,
): { category: string; reason: string } | undefined {
  for (const rule of RULES) {
    if (rule.name.test(name)) return { category: rule.category, reason: `column name "${name}"` };
  }
  if (comment) {
    for (const rule of RULES) {
      if (rule.comment.test(comment))
        return { category: rule.category, reason: `column comment "${comment}"` };
    }
    if (EXPLICIT.test(comment)) return { category: 'personal-data', reason: `column comment "${comment}"` };
  }
  return undefined;
}

/** Keeps the owner's decisions and adds suggestions for columns not seen before. */
export function mergeClassifications(
  existing: readonly Classification[],
  suggested: readonly Classification[],
): Classification[] {
  const byColumn = new Map(existing.map((entry) => [entry.column, entry]));
  for (const entry of suggested) if (!byColumn.has(entry.column)) byColumn.set(entry.column, entry);
  return [...byColumn.values()];
}
