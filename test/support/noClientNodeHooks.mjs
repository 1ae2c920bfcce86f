// Module resolution hook for worker threads that must never load @kubernetes/client-node: resolving it
// (statically, dynamically or through any other module) throws, so the import that brought it back
// fails the thread's start-up with the importer named.

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.includes('/node_modules/@kubernetes/client-node/'))
    throw new Error(`@kubernetes/client-node loaded in a worker thread: ${specifier} from ${context.parentURL}`);
  return resolved;
}
