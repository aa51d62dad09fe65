// Dragging landmarks on the correction page: each dragged point's field is filled and enabled, so the form
// sends the moved points only. Loaded from the desk itself (the CSP allows no inline script).
"use strict";

(function () {
  const svg = document.getElementById("landmarks");
  if (!svg) return;
  let dragged = null;

  function place(event) {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const inside = point.matrixTransform(svg.getScreenCTM().inverse());
    const box = svg.viewBox.baseVal;
    return { x: Math.min(Math.max(inside.x, 0), box.width), y: Math.min(Math.max(inside.y, 0), box.height) };
  }

  svg.addEventListener("pointerdown", function (event) {
    if (event.target.tagName !== "circle") return;
    dragged = event.target;
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!dragged) return;
    const at = place(event);
    const name = dragged.dataset.name;
    dragged.setAttribute("cx", at.x.toFixed(1));
    dragged.setAttribute("cy", at.y.toFixed(1));
    dragged.classList.add("moved");
    const label = svg.querySelector('text[data-label="' + name + '"]');
    label.setAttribute("x", (at.x + 14).toFixed(1));
    label.setAttribute("y", (at.y + 5).toFixed(1));
    const field = document.querySelector('input[data-point="' + name + '"]');
    field.value = at.x.toFixed(1) + "," + at.y.toFixed(1);
    field.disabled = false;
  });
  function drop() { dragged = null; }
  svg.addEventListener("pointerup", drop);
  svg.addEventListener("pointercancel", drop);
})();
