// The printable résumé's Print button (the page's policy allows no inline script).
document.getElementById("print-now")?.addEventListener("click", () => window.print());
