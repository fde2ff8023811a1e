// What a model writes against the declared API: two tools, a loop, logs.
async () => {
  const cities: string[] = ["Oslo", "Lisbon", "Cairo"];
  const report: { city: string; tempC: number }[] = [];
  for (const city of cities) {
    const w = await codemode.getWeather({ city, units: "metric" });
    console.log(`${city}: ${w.tempC}°C`);
    report.push({ city, tempC: w.tempC });
  }
  const warmest = report.reduce((a, b) => (b.tempC > a.tempC ? b : a));
  const flight = await codemode.bookFlight({ to: warmest.city, passengers: 2 });
  return { warmest: warmest.city, confirmation: flight.confirmation, when: new Date(0) };
}
