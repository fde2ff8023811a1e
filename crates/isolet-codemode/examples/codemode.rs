//! Code Mode in a few lines: two Rust tools, the TypeScript API a model
//! would be shown, and a program (as a model would write it) run in the
//! sandbox.
//!
//!     cargo run -p isolet-codemode --example codemode

use isolet_codemode::{CodeMode, Tool};
use serde_json::json;

#[tokio::main]
async fn main() -> isolet::Result<()> {
    let runtime = isolet::Runtime::builder().build().await?;
    let tools = CodeMode::builder(runtime)
        .tool(
            Tool::new("getWeather", "Current weather for a city.")
                .input(json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}))
                .output(json!({"type": "object", "properties": {"tempC": {"type": "number"}}, "required": ["tempC"]}))
                .handler(|input| async move {
                    let cold = input["city"] == "Oslo";
                    Ok(json!({"tempC": if cold { -3 } else { 21 }}))
                }),
        )
        .tool(
            Tool::new("sendMessage", "Sends a chat message.")
                .input(json!({"type": "object", "properties": {"to": {"type": "string"}, "text": {"type": "string"}}, "required": ["to", "text"]}))
                .handler(|input| async move {
                    println!("(message to {}: {})", input["to"], input["text"]);
                    Ok(json!({"sent": true}))
                }),
        )
        .build()?;

    println!("The API for the prompt:\n\n{}", tools.types());

    let code = r#"async () => {
  for (const city of ["Oslo", "Lisbon"]) {
    const { tempC } = await codemode.getWeather({ city });
    console.log(city, tempC);
    if (tempC < 0) await codemode.sendMessage({ to: "ops", text: `${city} is freezing` });
  }
  return "done";
}"#;
    let run = tools.execute(code).await;
    println!("{}", serde_json::to_string_pretty(&run).unwrap_or_default());
    Ok(())
}
