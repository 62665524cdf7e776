// The one place the panel touches a component library. Today: @vscode/webview-ui-toolkit (archived
// upstream in 2025). Swapping it for a successor means rewriting this file only: every other module
// asks for plain HTMLElements through these functions and listens through the callbacks given here.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;
/** Registers the toolkit's custom elements once (idempotent). */
export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeProgressRing(),
    vsCodeTextField(),
  );
}

export interface ButtonOpts {
  label: string;
  id?: string;
  secondary?: boolean;
  title?: string;
  onClick: () => void;
}
export function button(o: ButtonOpts): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = o.label;
  if (o.id) b.id = o.id;
  if (o.secondary) b.setAttribute('appearance', 'secondary');
  if (o.title) b.title = o.title;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) o.onClick();
  });
  return b;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  el.toggleAttribute('disabled', disabled);
}

export interface DropdownOpts {
  id?: string;
  label: string;
  options: { value: string; label: string }[];
  value: string;
  onChange: (value: string) => void;
}
export interface DropdownHandle {
  el: HTMLElement;
  setValue(v: string): void;
  setOptions(options: { value: string; label: string }[], value: string): void;
}
export function dropdown(o: DropdownOpts): DropdownHandle {
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  if (o.id) d.id = o.id;
  d.setAttribute('aria-label', o.label);
  const fill = (options: { value: string; label: string }[], value: string): void => {
    d.replaceChildren(
      ...options.map((x) => {
        const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
        opt.setAttribute('value', x.value);
        opt.textContent = x.label;
        if (x.value === value) opt.setAttribute('selected', '');
        return opt;
      }),
    );
    d.value = value;
  };
  fill(o.options, o.value);
  d.addEventListener('change', () => o.onChange(d.value));
  return {
    el: d,
    setValue: (v) => {
      d.value = v;
    },
    setOptions: fill,
  };
}

export interface TextFieldOpts {
  id?: string;
  label: string;
  placeholder?: string;
  value: string;
  size?: number;
  /** Fires on every keystroke. */
  onInput?: (value: string) => void;
  /** Fires on commit (Enter or blur). */
  onChange?: (value: string) => void;
}
export interface TextFieldHandle {
  el: HTMLElement;
  setValue(v: string): void;
  getValue(): string;
}
export function textField(o: TextFieldOpts): TextFieldHandle {
  const t = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  if (o.id) t.id = o.id;
  t.setAttribute('aria-label', o.label);
  if (o.placeholder) t.setAttribute('placeholder', o.placeholder);
  if (o.size) t.setAttribute('size', String(o.size));
  t.value = o.value;
  t.setAttribute('value', o.value);
  if (o.onInput) t.addEventListener('input', () => o.onInput!(t.value));
  // Commit on Enter or on the field's change event (blur); Enter can raise both, so commit once
  // per distinct value.
  let committed = o.value;
  const commit = (): void => {
    if (t.value === committed) return;
    committed = t.value;
    o.onChange!(t.value);
  };
  if (o.onChange) {
    t.addEventListener('change', commit);
    t.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') commit();
    });
  }
  return {
    el: t,
    setValue: (v) => {
      t.value = v;
      committed = v;
    },
    getValue: () => t.value,
  };
}

export interface CheckboxOpts {
  id?: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}
export function checkbox(o: CheckboxOpts): { el: HTMLElement; setChecked(c: boolean): void } {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  if (o.id) c.id = o.id;
  c.textContent = o.label;
  c.checked = o.checked;
  c.addEventListener('change', () => o.onChange(c.checked));
  return {
    el: c,
    setChecked: (v) => {
      c.checked = v;
    },
  };
}

/** A range slider. The toolkit has none; a native input styled with theme variables (panel.css). */
export interface SliderOpts {
  id?: string;
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  onInput: (value: number) => void;
}
export function slider(o: SliderOpts): { el: HTMLInputElement; setRange(min: number, max: number): void; setValue(v: number): void } {
  const s = document.createElement('input');
  s.type = 'range';
  s.className = 'slider';
  if (o.id) s.id = o.id;
  s.setAttribute('aria-label', o.label);
  s.min = String(o.min);
  s.max = String(o.max);
  s.step = String(o.step);
  s.value = String(o.value);
  s.addEventListener('input', () => o.onInput(Number(s.value)));
  return {
    el: s,
    setRange: (min, max) => {
      s.min = String(min);
      s.max = String(max);
    },
    setValue: (v) => {
      s.value = String(v);
    },
  };
}

/** An indeterminate busy indicator shown next to progress text. */
export function progressRing(): HTMLElement {
  return document.createElement('vscode-progress-ring');
}
