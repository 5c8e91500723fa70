// Forms with data-confirm="question" ask before they submit (no inline script: the CSP forbids it).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
