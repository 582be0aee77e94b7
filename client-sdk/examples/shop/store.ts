import type { RedeemedFields, WebhookEvent } from '@kith/client';

type TermsChanged = Extract<WebhookEvent, { type: 'contact.terms_changed' }>['data'];

/** What the shop remembers about one customer. In memory: a real shop uses its database. */
export interface Customer {
  id: string;
  /** The one grant this customer gave us, and what came with it. */
  grant?: string;
  grantId?: string;
  /** The customer's pairwise id at this vault: stable across grants, so use it to recognise them. */
  sub?: string;
  receipt?: string;
  /** Our copy of their data and the ETag it came with. */
  data?: RedeemedFields;
  etag?: string;
  /** A redirect flow in progress: the state we sent. */
  pendingState?: string;
  /** A "call me" flow in progress. */
  pendingCode?: { requestId: string; userCode: string; approveUrl: string; controller: AbortController };
  /** Grants the customer shared with us unasked (`grant.created`), and what each gave us. */
  shared?: SharedGrant[];
  /** The contact terms the customer's vault last told us (`contact.terms_changed`). */
  contact?: { terms: TermsChanged['contact']; doNotContact: boolean };
  /** Why the last attempt ended without a grant, for the page. */
  notice?: string;
}

/** A grant the customer shared unasked, collected from its `grant.created` event. */
export interface SharedGrant {
  grant: string;
  grantId: string;
  data?: RedeemedFields;
}

/** An erasure a vault asked of us, and when we confirmed it. */
export interface ErasureRecord {
  erasureId: string;
  sub: string;
  deadline: string;
  /** How many customer records we deleted for it. */
  deleted: number;
  acknowledgedAt?: string;
}

/** One customer per browser cookie, one grant per customer. */
export function createCustomerStore() {
  const customers = new Map<string, Customer>();
  const erasures: ErasureRecord[] = [];
  return {
    customers,
    erasures,
    /** Every customer a vault knows by this pairwise subject. */
    withSub(sub: string): Customer[] {
      return [...customers.values()].filter((customer) => customer.sub === sub);
    },
    get(id: string): Customer | undefined {
      return customers.get(id);
    },
    getOrCreate(id: string): Customer {
      let customer = customers.get(id);
      if (!customer) {
        customer = { id };
        customers.set(id, customer);
      }
      return customer;
    },
    /** Drops the grant and every copy of the data it gave us. */
    forgetGrant(customer: Customer): void {
      customer.grant = undefined;
      customer.grantId = undefined;
      customer.receipt = undefined;
      customer.data = undefined;
      customer.etag = undefined;
      customer.shared = undefined;
    },
    /** Deletes the customer's record and everything in it, as an erasure asks. */
    erase(customer: Customer): void {
      customers.delete(customer.id);
    },
  };
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
