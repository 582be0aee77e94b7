import type { VendorDisplay } from '../grants/vendor-display.ts';

/**
 * A vendor's own name in running text, isolated (`<bdi>`, HTML §4.5.24): whatever
 * direction its script runs, it cannot reorder the words around it.
 */
export function VendorName(props: { name: string }) {
  return <bdi data-kith="vendor-name">{props.name}</bdi>;
}

/**
 * The address Kith fetched the vendor's document from: origin and path, left to
 * right, so two vendors on one host never look the same.
 */
export function VendorAddress(props: { vendor: VendorDisplay; strong?: boolean }) {
  const address = (
    <bdi dir="ltr" class="vendor-address" data-kith="vendor-address">
      {props.vendor.address}
    </bdi>
  );
  return props.strong ? <strong>{address}</strong> : <span class="small">{address}</span>;
}
