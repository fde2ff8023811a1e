const w = await codemode.getWeather({ city: "Oslo" });
if (w.tempC < 0) {
  return "cold";
}
return "mild";
