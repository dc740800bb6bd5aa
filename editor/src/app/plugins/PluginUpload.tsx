import { useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage, useUploadPlugin, type PluginInfo } from '../../api/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { checkPluginFiles, readPickedFiles, type PluginFilesCheck } from './plugin-files.js';
import { PluginDropZone } from './PluginDropZone.js';

interface Picked {
  names: string[];
  check: PluginFilesCheck;
}

function uploadedSentence(plugin: PluginInfo): string {
  const count = plugin.nodeTypes.length;
  return `Uploaded ${plugin.name} ${plugin.version} with ${count} node type${count === 1 ? '' : 's'}; ${plugin.enabled ? 'its nodes are in the palette now' : 'it is disabled'}.`;
}

/**
 * Upload of a built plugin: plugin.json and its bundle, picked together or dropped. The files are
 * checked here first; the server's own problems (400 `plugin_invalid`) are listed one by one.
 */
export function PluginUpload({ ws }: { ws: string }) {
  const upload = useUploadPlugin(ws);
  const [picked, setPicked] = useState<Picked | undefined>(undefined);
  const [reading, setReading] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const titleId = useId();

  const take = async (files: File[]) => {
    upload.reset();
    if (files.length === 0) return;
    const names = files.map((f) => f.name);
    setReading(true);
    try {
      setPicked({ names, check: checkPluginFiles(await readPickedFiles(files)) });
    } catch (error) {
      setPicked({ names, check: { ok: false, problem: `The files could not be read (${errorMessage(error)}); pick them again.` } });
    } finally {
      setReading(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (picked === undefined || !picked.check.ok || upload.isPending) return;
    const { manifest, code } = picked.check;
    const onSuccess = () => {
      setPicked(undefined);
      if (inputRef.current !== null) inputRef.current.value = '';
    };
    upload.mutate({ manifest, code }, { onSuccess });
  };

  let status = '';
  if (reading) status = 'Reading the files…';
  else if (upload.isPending) status = 'Uploading…';
  else if (upload.data !== undefined) status = uploadedSentence(upload.data);

  return (
    <form className="plugin-upload" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>Upload a plugin</h2>
      <PluginDropZone ref={inputRef} disabled={upload.isPending} onFiles={(files) => void take(files)} />
      {picked !== undefined && (
        <p className="muted" data-testid="plugin-upload-files">
          Picked: {picked.names.join(', ')}
          {picked.check.ok && ` (manifest ${picked.check.manifestFile}, bundle ${picked.check.bundleFile})`}
        </p>
      )}
      {picked !== undefined && !picked.check.ok && (
        <div className="notice notice-error" role="alert" data-testid="plugin-upload-problem">
          {picked.check.problem}
        </div>
      )}
      {upload.error !== null && <ErrorNotice error={upload.error} title="The plugin was not uploaded" testId="plugin-upload-error" />}
      <div className="plugin-upload-actions">
        <button type="submit" className="button button-primary" disabled={picked?.check.ok !== true || upload.isPending || reading} aria-busy={upload.isPending} data-testid="plugin-upload-submit">
          {upload.isPending ? 'Uploading…' : 'Upload plugin'}
        </button>
        <span className={upload.isSuccess ? 'status status-ok' : 'status'} role="status" aria-live="polite" data-testid="plugin-upload-status">
          {status}
        </span>
      </div>
    </form>
  );
}
