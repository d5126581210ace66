/** A required one-line text field labelled by its placeholder (a note or reason the record keeps). */
export function RequiredText(props: { name: string; label: string; value: string; onInput: (value: string) => void }) {
  return (
    <input
      name={props.name}
      aria-label={props.label}
      placeholder={props.label}
      value={props.value}
      onInput={(e) => props.onInput(e.currentTarget.value)}
      required
      maxLength={400}
    />
  );
}
