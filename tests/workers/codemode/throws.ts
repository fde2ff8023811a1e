async () => {
  const w = await codemode.getWeather({ city: "Oslo" });
  console.warn("about to fail");
  const missing: any = undefined;
  return new URL(missing).host + w.tempC;
}
