// Style imports are handled by Next's bundler; this keeps `tsc` independent of the generated next-env.d.ts.
declare module '*.css';
