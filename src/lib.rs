pub mod firestore;
