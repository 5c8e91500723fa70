// "Add a row" for Django formsets: clones <template>, numbers it, and bumps TOTAL_FORMS.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-formset-add]");
  if (!button) return;
  const prefix = button.dataset.formsetAdd;
  const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  const max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
  const index = parseInt(total.value, 10);
  if (max && index >= parseInt(max.value, 10)) return;
  const template = document.querySelector(button.dataset.formsetTemplate);
  const html = template.innerHTML.replace(/__prefix__/g, String(index));
  document.querySelector(button.dataset.formsetRows).insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
});
