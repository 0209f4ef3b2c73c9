// Browser script of the launch form: each field checked as the user types with the very checkValue the server runs.
import type { LaunchField } from './launch-form';
import { checkValue } from './value-check';

function show(input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, field: LaunchField): void {
  const list = document.getElementById(`${input.id}-problems`);
  if (!list) return;
  const problems = input.value === '' ? (field.required ? ['A value is required.'] : []) : checkValue(field, input.value);
  list.replaceChildren(...problems.map((p) => { const li = document.createElement('li'); li.textContent = p; return li; }));
  input.setAttribute('aria-invalid', problems.length > 0 ? 'true' : 'false');
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('form[data-launch-form] [data-field]').forEach((input) => {
    const field = JSON.parse(input.dataset.field ?? '{}') as LaunchField;
    input.addEventListener('input', () => show(input, field));
    input.addEventListener('change', () => show(input, field));
  });
});
