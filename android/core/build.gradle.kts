// The core as an Android library: the uniffi-generated Kotlin bindings and
// libpph_ffi.so for each ABI, both produced by scripts/build-rust.sh
// (cargo-ndk). The app depends on this module only.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.pph.core"
    compileSdk = 35
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].apply {
        java.srcDir("build/generated/uniffi")
        jniLibs.srcDir("build/generated/jniLibs")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

val buildRust by tasks.registering(Exec::class) {
    description = "Builds libpph_ffi.so for every ABI and generates the Kotlin bindings"
    workingDir = rootDir
    commandLine("bash", "scripts/build-rust.sh")
}
tasks.named("preBuild") { dependsOn(buildRust) }

dependencies {
    api("net.java.dev.jna:jna:5.15.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}
