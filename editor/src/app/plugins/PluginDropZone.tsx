import { useId, useState, type DragEvent, type Ref } from 'react';

export interface PluginDropZoneProps {
  disabled: boolean;
  onFiles: (files: File[]) => void;
  /** The file input, so the form can clear it after an upload. */
  ref?: Ref<HTMLInputElement>;
}

/** The file picker for plugin.json and its bundle (both at once), which also takes them dropped. */
export function PluginDropZone({ disabled, onFiles, ref }: PluginDropZoneProps) {
  const [dragging, setDragging] = useState(false);
  const inputId = useId();
  const hintId = useId();

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    if (!disabled) onFiles([...event.dataTransfer.files]);
  };

  return (
    <div
      className={dragging ? 'dropzone dropzone-active' : 'dropzone'}
      onDragOver={(event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(event) => {
        // Moving over the zone's own label or input is not leaving it.
        if (!(event.relatedTarget instanceof Node && event.currentTarget.contains(event.relatedTarget))) setDragging(false);
      }}
      onDrop={onDrop}
      data-testid="plugin-dropzone"
    >
      <label htmlFor={inputId}>Plugin files</label>
      <input
        ref={ref}
        id={inputId}
        type="file"
        multiple
        accept=".json,.js,.cjs,application/json,text/javascript"
        aria-describedby={hintId}
        disabled={disabled}
        onChange={(event) => onFiles([...(event.target.files ?? [])])}
        data-testid="plugin-upload-input"
      />
      <p className="field-hint" id={hintId}>
        Pick the built plugin's <code>plugin.json</code> and its bundle (the file its <code>main</code> names, such as <code>dist/index.js</code>) together, or drop both here. A
        plugin with the same name is replaced.
      </p>
    </div>
  );
}
