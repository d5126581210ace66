import type { Signal } from '@preact/signals';

/** A labelled select bound to one field of a page's filter signal (alarms, 通行记录). */
export function FilterSelect<F extends Record<string, string>>(props: {
  filter: Signal<F>;
  field: keyof F & string;
  label: string;
  options: [string, string][];
}) {
  const { filter, field } = props;
  return (
    <label>
      {props.label}
      <select
        name={field}
        value={filter.value[field]}
        onChange={(e) => {
          filter.value = { ...filter.value, [field]: e.currentTarget.value };
        }}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
