// .arl files bundled as text (the example rules).
declare module '*.arl' {
  const text: string;
  export default text;
}
