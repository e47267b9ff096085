// Shared by every profile: target, token, and the request mix (the lab's reads and product
// updates, plus sales and replenishment requests). 409 is an expected business answer (stock
// ran out, request already decided), so it does not count as a failed request. Profiles
// discard response bodies (k6 shares the CPU with the service); the bodies read ask for it.
//
// Environment: BASE_URL, API_TOKEN (default token-430, the development token), STORES and
// PRODUCTS (ids picked from 1..N), and STOCK_FLOWS:
//   STOCK_FLOWS=1  the mix also records goods receipts at the warehouse (weight 3, tag `receipt`)
//                  and sales followed by a customer return of one unit of their first line
//                  (weight 3; the return only after a 201, alternately `revendable` and `abime`;
//                  tags `sale` then `return`): weights out of 106, the lab's 100 unchanged.
//   STOCK_FLOWS=0  the lab's mix exactly.
// Unset, a profile decides: stress.js turns the stock flows on, every other profile leaves them off.
import http from 'k6/http';
import { check } from 'k6';

export const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const TOKEN = __ENV.API_TOKEN || 'token-430';
const STORES = parseInt(__ENV.STORES || '5', 10);
const PRODUCTS = parseInt(__ENV.PRODUCTS || '15', 10);
const WRITE = { headers: { Authorization: `Token ${TOKEN}`, 'Content-Type': 'application/json' } };

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 409));

const pick = (n) => 1 + Math.floor(Math.random() * n);

// Weights out of 100: reads dominate, as at a till and in the head office.
const MIX = [
  [20, () => http.get(`${BASE_URL}/api/v1/stores/${pick(STORES)}/stock/`, { tags: { name: 'stock' } })],
  [15, () => http.get(`${BASE_URL}/api/v1/stores/${pick(STORES)}/stock/list/?produit__nom=Café&ordering=-quantite&quantite__gte=10`, { tags: { name: 'stock list' } })],
  [10, () => http.get(`${BASE_URL}/api/v1/reports/?date=2024-01-01`, { tags: { name: 'report' } })],
  [10, () => http.get(`${BASE_URL}/api/v1/dashboard/`, { tags: { name: 'dashboard' } })],
  [20, () => http.get(`${BASE_URL}/api/v1/products/${pick(PRODUCTS)}/`, { tags: { name: 'product read' } })],
  [5, () => http.put(`${BASE_URL}/api/v1/products/${pick(PRODUCTS)}/`, JSON.stringify({ prix: (5 + Math.random() * 95).toFixed(2) }), Object.assign({ tags: { name: 'product update' } }, WRITE))],
  [15, () => {
    const body = JSON.stringify({ magasin: pick(STORES), lignes: [{ produit: pick(PRODUCTS), quantite: 1 }, { produit: pick(PRODUCTS), quantite: 1 }] });
    const params = { headers: Object.assign({ 'Idempotency-Key': `k6-${__VU}-${__ITER}-${Math.random()}` }, WRITE.headers), tags: { name: 'sale' } };
    return http.post(`${BASE_URL}/api/v1/sales/`, body, params);
  }],
  [5, () => {
    const created = http.post(`${BASE_URL}/api/v1/replenishments/`, JSON.stringify({ magasin: pick(STORES), produit: pick(PRODUCTS), quantite: 5 }), Object.assign({ tags: { name: 'replenishment' }, responseType: 'text' }, WRITE));
    if (created.status === 201) {
      return http.post(`${BASE_URL}/api/v1/replenishments/${created.json('id')}/approve/`, null, Object.assign({ tags: { name: 'approval' } }, WRITE));
    }
    return created;
  }],
];

// The stock flows (STOCK_FLOWS=1): goods arriving at the warehouse, goods coming back to a store.
let returnsMade = 0;
const STOCK_FLOWS_MIX = MIX.concat([
  [3, () => {
    const body = JSON.stringify({ fournisseur: 'k6', bon_livraison: `BL-k6-${__VU}-${__ITER}`,
                                  lignes: [{ produit: pick(PRODUCTS), quantite: 20 }, { produit: pick(PRODUCTS), quantite: 10 }] });
    const params = { headers: Object.assign({ 'Idempotency-Key': `k6-receipt-${__VU}-${__ITER}-${Math.random()}` }, WRITE.headers), tags: { name: 'receipt' } };
    return http.post(`${BASE_URL}/api/v1/warehouse/receipts/`, body, params);
  }],
  [3, () => {
    const body = JSON.stringify({ magasin: pick(STORES), lignes: [{ produit: pick(PRODUCTS), quantite: 1 }, { produit: pick(PRODUCTS), quantite: 1 }] });
    const sold = http.post(`${BASE_URL}/api/v1/sales/`, body, {
      headers: Object.assign({ 'Idempotency-Key': `k6-${__VU}-${__ITER}-${Math.random()}` }, WRITE.headers), tags: { name: 'sale' }, responseType: 'text' });
    if (sold.status !== 201) return sold; // 409: stock ran out, nothing to return
    const etat = (__VU + returnsMade++) % 2 === 0 ? 'revendable' : 'abime'; // alternating, VUs out of step
    return http.post(`${BASE_URL}/api/v1/sales/${sold.json('id')}/returns/`, JSON.stringify({ lignes: [{ ligne: 1, quantite: 1, etat }] }),
      { headers: Object.assign({ 'Idempotency-Key': `k6-return-${__VU}-${__ITER}-${Math.random()}` }, WRITE.headers), tags: { name: 'return' } });
  }],
]);

// STOCK_FLOWS as a boolean; `byDefault` when unset or empty.
export function stockFlows(byDefault) {
  const value = (__ENV.STOCK_FLOWS || '').trim().toLowerCase();
  if (value === '') return byDefault;
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  throw new Error(`STOCK_FLOWS=${__ENV.STOCK_FLOWS}: expected 1 or 0`);
}
const OFF_BY_DEFAULT = stockFlows(false);
const total = (mix) => mix.reduce((sum, [w]) => sum + w, 0);
const LAB_TOTAL = total(MIX);
const FLOWS_TOTAL = total(STOCK_FLOWS_MIX);

// One request of the mix; `flows`: with the stock flows (default: STOCK_FLOWS, off when unset).
export function mixedRequest(flows = OFF_BY_DEFAULT) {
  const mix = flows ? STOCK_FLOWS_MIX : MIX;
  let r = Math.random() * (flows ? FLOWS_TOTAL : LAB_TOTAL);
  for (const [weight, request] of mix) {
    r -= weight;
    if (r <= 0) {
      const res = request();
      check(res, { 'answered as expected': (x) => (x.status >= 200 && x.status < 300) || x.status === 409 });
      return res;
    }
  }
  return null;
}

// Reads only, for the failover run: no GET may fail while an instance dies.
export function readRequest() {
  const res = [
    () => http.get(`${BASE_URL}/api/v1/stores/${pick(STORES)}/stock/`, { tags: { name: 'stock' } }),
    () => http.get(`${BASE_URL}/api/v1/reports/`, { tags: { name: 'report' } }),
    () => http.get(`${BASE_URL}/api/v1/dashboard/`, { tags: { name: 'dashboard' } }),
    () => http.get(`${BASE_URL}/api/v1/products/${pick(PRODUCTS)}/`, { tags: { name: 'product read' } }),
  ][Math.floor(Math.random() * 4)]();
  check(res, { 'GET answered 200': (x) => x.status === 200 });
  return res;
}
