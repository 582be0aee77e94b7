import type { RedeemedFields } from '@kith/client';

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
  /** Why the last attempt ended without a grant, for the page. */
  notice?: string;
}

/** One customer per browser cookie, one grant per customer. */
export function createCustomerStore() {
  const customers = new Map<string, Customer>();
  return {
    customers,
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
    },
  };
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
