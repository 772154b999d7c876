// Cascading province → kabupaten/kota → kecamatan → desa picker that fills the village code.
// Plain script file (the CSP forbids inline script); options come from /ibm/opsi-wilayah.
document.addEventListener('DOMContentLoaded', () => {
  const clear = (id) => {
    const el = document.getElementById(id);
    if (!el) return;
    el.innerHTML = '';
    if (el.dataset.next) clear(el.dataset.next);
  };
  document.querySelectorAll('select[data-next], select[data-target]').forEach((select) => {
    select.addEventListener('change', async () => {
      if (select.dataset.target) {
        document.getElementById(select.dataset.target).value = select.value;
        return;
      }
      clear(select.dataset.next);
      if (!select.value) return;
      const res = await fetch('/ibm/opsi-wilayah?parent=' + encodeURIComponent(select.value), { credentials: 'same-origin' });
      if (res.ok) document.getElementById(select.dataset.next).innerHTML = await res.text();
    });
  });
});
