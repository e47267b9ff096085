// Shared by every profile: target, token, and the request mix (the lab's reads and product
// updates, plus sales and replenishment requests). 409 is an expected business answer (stock
// ran out, request already decided), so it does not count as a failed request. Profiles
// discard response bodies (k6 shares the CPU with the service); the one body read asks for it.
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
const TOTAL = MIX.reduce((sum, [w]) => sum + w, 0);

export function mixedRequest() {
  let r = Math.random() * TOTAL;
  for (const [weight, request] of MIX) {
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
