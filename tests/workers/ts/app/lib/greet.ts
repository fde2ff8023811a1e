export interface Greeting {
  message: string;
  tone: Tone;
}

export enum Tone {
  Warm = "warm",
  Cold = "cold",
}

export function greet(name: string, tone: Tone = Tone.Warm): Greeting {
  const message: string = tone === Tone.Warm ? `Hello, ${name}!` : `${name}.`;
  return { message, tone };
}
